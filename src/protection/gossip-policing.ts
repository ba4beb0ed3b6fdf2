import { GRAYLIST_THRESHOLD } from '../gossip/options.js'
import type { PeerGuard } from './peer-guard.js'
import type { GossipSub } from '@chainsafe/libp2p-gossipsub'
import type { PeerId } from '@libp2p/interface'

/**
 * Turns gossipsub's verdicts into bans: at each gossipsub heartbeat, a peer whose score fell below the graylist
 * threshold is banned (and hung up on). And frames with subscriptions count against their sender's subscription
 * limit: gossipsub drops topics we do not allow before they cost memory, but a peer that keeps sending them is
 * flooding.
 */
export class GossipPolicing {
  private readonly pubsub: GossipSub
  private readonly guard: PeerGuard

  constructor (pubsub: GossipSub, guard: PeerGuard) {
    this.pubsub = pubsub
    this.guard = guard
    this.onHeartbeat = this.onHeartbeat.bind(this)
    this.onSubscriptions = this.onSubscriptions.bind(this)
  }

  start (): void {
    this.pubsub.addEventListener('gossipsub:heartbeat', this.onHeartbeat)
    this.pubsub.addEventListener('subscription-change', this.onSubscriptions)
  }

  stop (): void {
    this.pubsub.removeEventListener('gossipsub:heartbeat', this.onHeartbeat)
    this.pubsub.removeEventListener('subscription-change', this.onSubscriptions)
  }

  private onHeartbeat (): void {
    for (const peer of this.pubsub.getPeers()) {
      const score = this.pubsub.getScore(peer.toString())
      if (score < GRAYLIST_THRESHOLD) {
        this.guard.ban(peer, `its gossipsub score ${score.toFixed(1)} fell below the graylist threshold (${GRAYLIST_THRESHOLD})`)
      }
    }
  }

  private onSubscriptions (evt: CustomEvent<{ peerId: PeerId }>): void {
    this.guard.allow(evt.detail.peerId, 'subscriptionsPerSecond')
  }
}
