import { jitter } from '../random.js'
import { PingChannels } from './ping-channels.js'
import { messageOf } from '../errors.js'
import type { MemberList } from './members.js'
import type { GossipSub, GossipsubMessage } from '@chainsafe/libp2p-gossipsub'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'

/** How long a ping may take before it counts as failed (or half the ping interval, if that is longer). */
export const PING_TIMEOUT = 2_500
/** Failed pings in a row before a peer is dropped; a failed ping is retried after RETRY_DELAY, not a whole interval. */
export const MAX_PING_FAILURES = 3
const RETRY_DELAY = 500
/**
 * How often the loop looks for pings that are due: a tenth of the ping interval, at least every 500 ms. A slow pace
 * (a big swarm on one machine) slows the loop too: each pass walks every connection.
 */
const MIN_TICK = 500

export interface LivenessInit {
  libp2p: Libp2p<{ ping: Ping, pubsub: GossipSub }>
  members: MemberList
  /** Every watched peer is pinged this often (ms), with jitter, unless it was heard from meanwhile. */
  pingInterval: number
  /**
   * The connected peers to ping, or undefined for all of them. A peer node watches the peers it depends on (its
   * broadcast mesh and its bootstraps); a bootstrap, connected to every node, watches them all. So each node is still
   * pinged by several others, at a fraction of the streams that pinging every connection costs.
   */
  watched: () => Set<string> | undefined
  /**
   * A peer is unreachable: it failed MAX_PING_FAILURES pings in a row (and was dropped), or it could not be reached
   * after its last connection closed without a goodbye.
   */
  onUnreachable: (peer: PeerId, why: string) => void
  log: Logger
}

interface PeerLiveness {
  nextPingAt: number
  failures: number
  /** When it last answered a ping (ms since the epoch). */
  lastAnswer: number
  pinging: boolean
}

/**
 * Keeps track of whether connected peers are alive, with libp2p ping: each one that has been quiet for a
 * `pingInterval` (no heartbeat, no answer) is pinged; after a few failures in a row it is hung up on and reported. A peer whose last connection closes without a
 * goodbye is checked at once: a crashed process refuses the dial, and is reported within a round trip.
 * It replaces libp2p's connection monitor, which drops a connection after one failed ping and tells no one.
 */
export class Liveness {
  private readonly init: LivenessInit
  private readonly peers = new Map<string, PeerLiveness>()
  private readonly checks = new Map<string, Promise<boolean>>()
  private readonly channels: PingChannels
  /** A node that pings rarely (a big swarm on one machine, a slow link) gives each ping longer to come back. */
  private readonly pingTimeout: number
  private controller = new AbortController()
  private timer?: NodeJS.Timeout

  constructor (init: LivenessInit) {
    this.init = init
    this.pingTimeout = Math.max(PING_TIMEOUT, init.pingInterval / 2)
    this.channels = new PingChannels(init.pingInterval)
    this.onDisconnect = this.onDisconnect.bind(this)
    this.onForwarded = this.onForwarded.bind(this)
  }

  start (): void {
    this.controller = new AbortController()
    this.init.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.init.libp2p.services.pubsub.addEventListener('gossipsub:message', this.onForwarded)
    this.timer = setInterval(() => { this.tick() }, Math.max(MIN_TICK, this.init.pingInterval / 10))
  }

  stop (): void {
    this.init.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    this.init.libp2p.services.pubsub.removeEventListener('gossipsub:message', this.onForwarded)
    clearInterval(this.timer)
    this.controller.abort()
    this.peers.clear()
    this.channels.closeAll()
  }

  /** When `peer` last answered a ping, or 0. */
  lastAnswer (peer: PeerId): number {
    return this.peers.get(peer.toString())?.lastAnswer ?? 0
  }

  /**
   * Pings `peer`, on its ping channel if connected, else dialing it: true if it answered within the ping timeout.
   * Checks of one peer that overlap share one ping.
   */
  async check (peer: PeerId): Promise<boolean> {
    const key = peer.toString()
    let check = this.checks.get(key)
    if (check == null) {
      check = this.ping(peer).finally(() => { this.checks.delete(key) })
      this.checks.set(key, check)
    }
    return check
  }

  private async ping (peer: PeerId): Promise<boolean> {
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.pingTimeout)])
    try {
      const connection = this.init.libp2p.getConnections(peer).find(c => c.status === 'open')
      if (connection != null) {
        await this.channels.ping(connection, signal)
      } else {
        await this.init.libp2p.services.ping.ping(peer, { signal })
      }
      this.init.members.seen(peer)
      return true
    } catch (err) {
      this.init.log('ping %p failed: %s', peer, messageOf(err))
      return false
    }
  }

  private tick (): void {
    const now = Date.now()
    // from the connections, whose peer ids keep their string form: libp2p.getPeers() makes new ones, base58 each
    // time, and this runs twice a second on every node
    const connected = new Map<string, PeerId>()
    for (const connection of this.init.libp2p.getConnections()) {
      connected.set(connection.remotePeer.toString(), connection.remotePeer)
    }
    const watched = this.init.watched()
    for (const [key, peer] of connected) {
      if (watched != null && !watched.has(key)) {
        continue
      }
      let state = this.peers.get(key)
      if (state == null) {
        state = { nextPingAt: now + jitter(this.init.pingInterval), failures: 0, lastAnswer: now, pinging: false }
        this.peers.set(key, state)
      }
      if (state.pinging || now < state.nextPingAt) {
        continue
      }
      // a member heard from lately (its signed heartbeat, a request) needs no ping: ping the quiet ones
      if (state.failures === 0 && now - (this.init.members.get(peer)?.lastSeen ?? 0) < this.init.pingInterval) {
        state.nextPingAt = now + jitter(this.init.pingInterval)
        continue
      }
      this.pingConnected(peer, state)
    }
    for (const key of this.peers.keys()) {
      if (!connected.has(key)) {
        this.peers.delete(key)
      }
    }
    this.channels.retain(watched ?? connected)
  }

  private pingConnected (peer: PeerId, state: PeerLiveness): void {
    state.pinging = true
    void this.check(peer).then(answered => {
      state.pinging = false
      if (this.controller.signal.aborted) {
        return
      }
      if (answered) {
        state.failures = 0
        state.lastAnswer = Date.now()
        state.nextPingAt = Date.now() + jitter(this.init.pingInterval)
        return
      }
      state.failures++
      state.nextPingAt = Date.now() + RETRY_DELAY
      if (state.failures >= MAX_PING_FAILURES) {
        this.peers.delete(peer.toString())
        this.init.log('%p failed %d pings in a row: dropping it', peer, state.failures)
        this.init.libp2p.hangUp(peer).catch(() => {})
        this.init.onUnreachable(peer, `${state.failures} pings in a row failed`)
      }
    })
  }

  /**
   * A peer that just passed on a broadcast or an announcement is alive, and so is its connection: it needs no ping.
   * In a busy mesh this spares most pings.
   */
  private onForwarded (evt: CustomEvent<GossipsubMessage>): void {
    this.init.members.seen(evt.detail.propagationSource)
  }

  private onDisconnect (evt: CustomEvent<PeerId>): void {
    const peer = evt.detail
    const member = this.init.members.get(peer)
    if (member == null || (member.state !== 'alive' && member.state !== 'suspect')) {
      return // it said goodbye, or is already known gone
    }
    void this.check(peer).then(answered => {
      if (!answered && !this.controller.signal.aborted) {
        this.init.onUnreachable(peer, 'its connection closed and it cannot be reached')
      }
    })
  }
}
