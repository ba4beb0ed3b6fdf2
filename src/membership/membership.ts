import { TypedEventEmitter } from 'main-event'
import { NotOperatorError } from '../errors.js'
import { issueCertificate } from '../verification/certificate.js'
import { Announcer, type AnnouncerInit } from './announcer.js'
import { hearGoodbyes, sayGoodbye, type GoodbyeProtocol, type GoodbyeReason } from './goodbye/index.js'
import { Liveness } from './liveness.js'
import { serveNetworkSize, type NetworkSize, type NetworkSizeProtocol } from './network-size/index.js'
import { Registrations } from './registry/registrations.js'
import type { RegistryProtocol } from './registry/index.js'
import type { Dissemination, FailureDetector } from './seams.js'
import type { JoinRefusedError } from '../errors.js'
import type { GossipSub } from '@chainsafe/libp2p-gossipsub'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Each goodbye (and deregistration) of a leaving node is capped at this; they all run at once. */
export const GOODBYE_TIMEOUT = 1_000
/** The view is swept this often, or a tenth of the heartbeat interval if longer: each sweep walks every member. */
const SWEEP_INTERVAL = 500

/** What membership and its announcer share: the node, its view, whom it trusts, its timings and its limits. */
type Shared = 'members' | 'trust' | 'protocolPrefix' | 'role' | 'describeSelf' | 'broadcastTopic' | 'heartbeatInterval' |
  'pingInterval' | 'maxAnnouncementAge' | 'guard' | 'privateKey' | 'log'

export interface MembershipInit extends Pick<AnnouncerInit, Shared> {
  libp2p: Libp2p<{ pubsub: GossipSub, ping: Ping }>
  /** The protocols membership speaks besides its gossipsub topic: it asks and answers each. */
  protocols: { registry: RegistryProtocol, goodbye: GoodbyeProtocol, networkSize: NetworkSizeProtocol }
  /** The bootstraps this node was given: it registers with them, and trusts their DEAD notices. */
  bootstraps: Multiaddr[]
  requestTimeout: number
  /** Builds the failure detector; by default Liveness (pings on the connections this node has). */
  failureDetector?: (hooks: MembershipHooks) => FailureDetector
  /** Builds dissemination; by default Announcer (signed announcements on a gossipsub topic). */
  dissemination?: (hooks: MembershipHooks) => Dissemination & { readonly topic: string }
}

/** What membership offers the failure detector and dissemination it drives. */
export interface MembershipHooks {
  /** `peer` does not answer: it is dead for this node, which tells the network (a bootstrap) or its bootstraps. */
  unreachable: (peer: PeerId, why: string) => void
  /** The peers to watch: for a peer node, its meshes and its bootstraps; undefined (all) for a bootstrap. */
  watched: () => Set<string> | undefined
  /** Asks the bootstraps under which name `peer` is registered. */
  lookUp: (peer: PeerId) => Promise<string | undefined>
  /** When `peer` last answered the failure detector, ms since the epoch. */
  lastAnswer: (peer: PeerId) => number
  /** Puts a member's addresses in the peer store. */
  remember: (peer: PeerId, multiaddrs: Multiaddr[]) => void
}

export interface MembershipEvents {
  /** An operator ordered a shutdown: the node should leave. */
  shutdown: CustomEvent<{ from: PeerId, reason: string }>
  /** A bootstrap refused this node after it started (it was unreachable at start): the node should stop. */
  refused: CustomEvent<JoinRefusedError>
  /** Registering with the bootstrap at `address` failed for now; it is tried again (see Registrations). */
  'bootstrap:failed': CustomEvent<{ address: Multiaddr, error: Error }>
  /** The first bootstrap of this start accepted this node. */
  joined: CustomEvent<{ bootstrap: PeerId }>
}

/**
 * Keeps this node's membership view true, and tells the network about this node. Its parts:
 * - Registrations (registry/): registers with the bootstraps, and answers registrations itself;
 * - a failure detector (Liveness: pings its peers); a peer found unreachable is marked dead here and reported to
 *   the bootstraps, which check for themselves before they tell everyone;
 * - dissemination (Announcer: signed JOIN, heartbeats, LEAVE, DEAD and shutdown on a gossipsub topic);
 * - goodbye (goodbye/) and network size (network-size/).
 * The failure detector and dissemination sit behind the interfaces of seams.ts.
 */
export class Membership extends TypedEventEmitter<MembershipEvents> {
  /** The protocols membership speaks besides its topic. */
  readonly protocols: MembershipInit['protocols']
  /** @internal The registry protocol, both sides. */
  readonly registrations: Registrations
  /** @internal How membership news spreads. */
  readonly dissemination: Dissemination & { readonly topic: string }
  private readonly failureDetector: FailureDetector
  private readonly init: MembershipInit
  private running = false
  private sweepTimer?: NodeJS.Timeout

  constructor (init: MembershipInit) {
    super()
    this.init = init
    this.protocols = init.protocols
    const hooks: MembershipHooks = {
      unreachable: (peer, why) => { this.declareDead(peer, why) },
      watched: () => this.watched(),
      lookUp: async (peer) => this.registrations.lookUp(peer),
      lastAnswer: (peer) => this.failureDetector.lastAnswer(peer),
      remember: (peer, multiaddrs) => { this.remember(peer, multiaddrs) }
    }
    this.dissemination = init.dissemination?.(hooks) ?? new Announcer({ ...init, ...hooks })
    this.dissemination.addEventListener('shutdown', (evt) => { this.safeDispatchEvent('shutdown', { detail: evt.detail }) })
    this.failureDetector = init.failureDetector?.(hooks) ?? new Liveness({ ...init, watched: hooks.watched, onUnreachable: hooks.unreachable })
    this.registrations = new Registrations({
      libp2p: init.libp2p,
      registry: init.protocols.registry,
      members: init.members,
      bootstraps: init.bootstraps,
      describeSelf: init.describeSelf,
      nonce: () => this.dissemination.nonce,
      requestTimeout: init.requestTimeout,
      remember: (peer, multiaddrs) => { this.remember(peer, multiaddrs) },
      check: async (peer) => this.failureDetector.check(peer),
      declareDead: (peer, why) => { this.declareDead(peer, why) },
      onVouchedAlive: (peer, bootstrap) => {
        if (init.members.revive(peer)) {
          init.log('%p, held dead here, answered %p: alive again', peer, bootstrap)
        }
      },
      onLeft: (peer) => { this.onDeregistered(peer) },
      onRefused: (err) => { this.safeDispatchEvent('refused', { detail: err }) },
      onBootstrapFailed: (address, error) => { this.safeDispatchEvent('bootstrap:failed', { detail: { address, error } }) },
      onJoined: (bootstrap) => { this.safeDispatchEvent('joined', { detail: { bootstrap } }) },
      certify: async (peer, name, nonce) => issueCertificate(init.privateKey, init.protocolPrefix, peer, name, nonce),
      onCertified: (issuer, signature) => { this.dissemination.certified(issuer, signature) },
      log: init.log
    })
  }

  /** The membership topic. */
  get topic (): string {
    return this.dissemination.topic
  }

  /** Announcements refused: malformed, or not allowed from their sender (a forged DEAD or shutdown). */
  get rejected (): number {
    return this.dissemination.rejected
  }

  /** Answers the registry, goodbye and network size protocols: before libp2p listens, so that no peer finds them missing. */
  async serve (): Promise<void> {
    const { goodbye, networkSize } = this.init.protocols
    await Promise.all([
      this.registrations.serve(),
      hearGoodbyes(goodbye, (peer, reason, message) => { this.onGoodbye(peer, reason, message) }),
      serveNetworkSize(networkSize, () => this.networkSize())
    ])
  }

  async unserve (): Promise<void> {
    const { goodbye, networkSize } = this.init.protocols
    await Promise.all([this.registrations.unserve(), goodbye.unserve(), networkSize.unserve()])
  }

  start (): void {
    this.running = true
    this.dissemination.start()
    this.registrations.start()
    this.failureDetector.start()
  }

  /**
   * Starts announcing this node: JOIN, then heartbeats. Called once its bootstraps have accepted it (and certified
   * it); a bootstrap certifies itself.
   */
  async join (): Promise<void> {
    await this.dissemination.join()
    this.sweepTimer = setInterval(() => { this.sweep() }, Math.max(SWEEP_INTERVAL, this.init.heartbeatInterval / 10))
  }

  stop (): void {
    this.running = false
    this.dissemination.stop()
    this.registrations.stop()
    this.failureDetector.stop()
    clearInterval(this.sweepTimer)
  }

  /** The network size in this node's view. */
  networkSize (): NetworkSize {
    const now = Date.now()
    let alive = 1 // this node
    let suspect = 0
    let oldest = 0
    for (const member of this.init.members.live()) {
      if (member.state === 'alive') alive++
      else suspect++
      oldest = Math.max(oldest, now - member.lastSeen)
    }
    return { size: alive + suspect, alive, suspect, method: 'membership-view', freshnessMs: oldest, exact: this.init.members.exact }
  }

  /**
   * Tells the network this node is going: a LEAVE announcement, then at once a goodbye to every connected peer
   * and a deregistration at every connected bootstrap, each capped at GOODBYE_TIMEOUT. Resolves when all are done.
   */
  async leave (reason: GoodbyeReason, message: string): Promise<void> {
    this.failureDetector.stop() // peers that go now are going with us, not dying
    await this.dissemination.leave(message)
    const { libp2p } = this.init
    const signal = AbortSignal.timeout(GOODBYE_TIMEOUT)
    await Promise.allSettled([
      ...libp2p.getPeers().map(async peer => { await sayGoodbye(this.init.protocols.goodbye, peer, reason, message, signal) }),
      this.registrations.deregister(signal)
    ])
  }

  /** Orders every node of the network to leave. Only an operator may; rejects with NotOperatorError otherwise. */
  async orderShutdown (reason: string): Promise<void> {
    const self = this.init.libp2p.peerId
    if (!this.init.trust.isOperator(self)) {
      throw new NotOperatorError(self.toString())
    }
    await this.dissemination.orderShutdown(reason)
  }

  /** A peer said goodbye: it left, and is not to be redialed. */
  onGoodbye (peer: PeerId, reason: GoodbyeReason, message: string): void {
    if (this.init.members.markLeft(peer) != null) {
      this.init.log('%p left (%s%s)', peer, reason, message === '' ? '' : `: ${message}`)
    }
  }

  /**
   * A member deregistered. A bootstrap tells everyone: the member's own LEAVE reaches only the peers it is
   * connected to, and a node that leaves right after joining may be connected to the bootstrap alone.
   */
  private onDeregistered (peer: PeerId): void {
    const member = this.init.members.get(peer)
    this.onGoodbye(peer, 'leaving', 'deregistered')
    if (this.init.role === 'bootstrap' && member != null) {
      void this.dissemination.memberGone('left', member)
    }
  }

  /**
   * `peer` is gone for this node. A bootstrap tells everyone (DEAD); a peer tells its bootstraps, which check for
   * themselves.
   */
  private declareDead (peer: PeerId, why: string): void {
    const member = this.init.members.markDead(peer)
    if (member == null || !this.running) {
      return
    }
    this.init.log('%p (%s) is dead: %s', peer, member.name, why)
    if (this.init.role === 'bootstrap') {
      void this.dissemination.memberGone('dead', member)
    } else {
      this.registrations.reportDead(peer)
    }
  }

  /** Puts a member's addresses in the peer store, so that it can be dialed by peer id (once per start of it). */
  private remember (peer: PeerId, multiaddrs: Multiaddr[]): void {
    this.init.libp2p.peerStore.merge(peer, { multiaddrs }).catch(err => {
      this.init.log('storing the addresses of %p failed: %s', peer, err.message)
    })
  }

  /** The peers the failure detector watches: for a peer node, its mesh (on either topic) and its bootstraps; for a bootstrap, all. */
  private watched (): Set<string> | undefined {
    if (this.init.role === 'bootstrap') {
      return undefined
    }
    const pubsub = this.init.libp2p.services.pubsub
    return new Set([...pubsub.getMeshPeers(this.topic), ...pubsub.getMeshPeers(this.init.broadcastTopic), ...this.registrations.bootstrapIds])
  }

  private sweep (): void {
    this.init.members.sweep()
    this.registrations.sweep()
  }
}
