import { TypedEventEmitter } from 'main-event'
import { fromString as fromUtf8 } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { JoinRefusedError, NotStartedError, RejectedError, UnreachablePeerError, nameOf } from './errors.js'
import { NodeMetrics } from './http/metrics.js'
import { HttpApi } from './http/server.js'
import { toMemberInfo } from './membership/member-info.js'
import { isGone } from './membership/members.js'
import { queryNetworkSize, type NetworkSize } from './membership/network-size/index.js'
import type { NodeConfig, Role } from './config.js'
import type { ConnectionKeeper } from './discovery/connection-keeper.js'
import type { Readiness } from './discovery/readiness.js'
import type { Broadcaster } from './broadcast/broadcaster.js'
import type { MemberLookup } from './membership/member-lookup.js'
import type { MemberList, MemberState } from './membership/members.js'
import type { Membership } from './membership/membership.js'
import type { GossipPolicing } from './protection/gossip-policing.js'
import type { PeerGuard } from './protection/peer-guard.js'
import type { GoodbyeReason } from './membership/goodbye/index.js'
import type { MessageService } from './direct/index.js'
import type { NodeStatus } from './status/index.js'
import type { StatusService } from './status/status-service.js'
import type { BroadcastResult, MemberInfo, NetworkStatus, NodeMessage, NodeServices, P2PNodeEvents, RejectedMessage, SendResult } from './public-types.js'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The parts of a node, each with one job; createNode() builds and wires them, the node drives them. */
export interface NodeParts {
  libp2p: Libp2p<NodeServices>
  config: NodeConfig
  /** The name this node registers under. */
  name: string
  /** The view: every member this node knows of, and its state. */
  members: MemberList
  /** Keeps the view true and tells the network about this node: announcements, registry, liveness, goodbye. */
  membership: Membership
  /** Finds members by peer id or name. */
  lookup: MemberLookup
  /** Keeps the node connected to random members, and in touch with its bootstraps. */
  keeper: ConnectionKeeper
  /** Takes a peer node from registered to ready. */
  readiness: Readiness
  broadcaster: Broadcaster
  messages: MessageService
  status: StatusService
  /** Bans peers for their gossipsub score, and limits their subscriptions. */
  policing: GossipPolicing
  guard: PeerGuard
  metrics?: NodeMetrics
}

/** Bound of stop(): past it, the node is reported stopped and libp2p finishes in the background. */
const STOP_TIMEOUT = 5_000
const MEMBER_EVENTS = ['member:join', 'member:suspect', 'member:dead', 'member:leave'] as const
const LIBP2P_EVENTS = ['peer:discovery', 'peer:connect', 'peer:disconnect'] as const

/** A running node of the network. Create one with createNode(). */
export class P2PNode extends TypedEventEmitter<P2PNodeEvents> {
  /** The libp2p node underneath, for power users. */
  readonly libp2p: Libp2p<NodeServices>
  readonly role: Role
  readonly name: string
  /** The gossipsub topic broadcasts travel on. */
  readonly topic: string
  /** The local HTTP control API and dashboard, when the `http` option was given. */
  readonly http?: HttpApi
  /** @internal The parts this node drives, for white-box tests and tools. */
  readonly parts: NodeParts
  private readonly verifyLog: Logger
  private stopping?: Promise<void>

  constructor (parts: NodeParts, topic: string) {
    super()
    this.parts = parts
    this.libp2p = parts.libp2p
    this.role = parts.config.role
    this.name = parts.name
    this.topic = topic
    this.verifyLog = parts.libp2p.logger.forComponent('p2p-node:verify')
    this.forward = this.forward.bind(this)
    const { membership, keeper, readiness, broadcaster, messages, guard } = parts
    membership.addEventListener('joined', (evt) => { this.safeDispatchEvent('joined', { detail: evt.detail }) })
    membership.addEventListener('shutdown', (evt) => {
      this.safeDispatchEvent('shutdown', { detail: evt.detail })
      void this.leave('network shutdown ordered', 'network-shutdown')
    })
    membership.addEventListener('refused', (evt) => { this.onRefused(evt.detail) })
    membership.addEventListener('bootstrap:failed', (evt) => { this.onBootstrapFailed(evt.detail.address, evt.detail.error) })
    keeper.addEventListener('bootstrap:failed', (evt) => { this.onBootstrapFailed(evt.detail.address, evt.detail.error) })
    readiness.addEventListener('ready', () => { this.safeDispatchEvent('ready') })
    guard.addEventListener('peer:banned', (evt) => { this.safeDispatchEvent('peer:banned', { detail: evt.detail }) })
    broadcaster.addEventListener('message', (evt) => { this.emitMessage({ ...evt.detail, kind: 'broadcast' }) })
    broadcaster.addEventListener('rejected', (evt) => { this.reportRejection('broadcast', evt.detail) })
    messages.addEventListener('message', (evt) => { this.emitMessage({ ...evt.detail, kind: 'direct' }) })
    messages.addEventListener('rejected', (evt) => { this.reportRejection('direct', evt.detail) })
    if (parts.config.http != null) {
      this.http = new HttpApi(this, parts.config.http, parts.metrics ?? new NodeMetrics(), parts.libp2p.logger.forComponent('p2p-node:http'))
    }
  }

  get peerId (): PeerId {
    return this.libp2p.peerId
  }

  /** The node's addresses, each ending in `/p2p/<peer id>`. */
  get multiaddrs (): string[] {
    return this.libp2p.getMultiaddrs().map(ma => ma.toString())
  }

  /** The base URL of the HTTP API (e.g. `http://127.0.0.1:5001`) while it serves; undefined without one. */
  get httpUrl (): string | undefined {
    return this.http?.url
  }

  /** Largest payload of one message, in bytes (the `maxMessageBytes` option). */
  get maxMessageBytes (): number {
    return this.parts.config.maxMessageBytes
  }

  /** Deadline of one request to another node, in ms (the `requestTimeout` option). */
  get requestTimeout (): number {
    return this.parts.config.requestTimeout
  }

  get isStarted (): boolean {
    return this.libp2p.status === 'started' && this.stopping == null
  }

  /**
   * True once the node is a registered member that holds the network's view (it paged through a bootstrap's) and can
   * broadcast to everyone: it is in the broadcast mesh, or it is the only peer node. A bootstrap always is.
   */
  get isReady (): boolean {
    return this.isStarted && this.parts.readiness.isReady
  }

  /**
   * Starts the node and registers it with its bootstraps. Harmless if it is started already. Rejects with
   * JoinRefusedError (and stops) if a bootstrap refuses it: its name is held by another live node, or another
   * process runs with its key. Unreachable bootstraps do not fail the start: the node keeps trying them.
   */
  async start (): Promise<void> {
    if (this.libp2p.status === 'started' || this.libp2p.status === 'starting') {
      return
    }
    await this.stopping
    this.stopping = undefined
    const { libp2p, members, membership, keeper, readiness, broadcaster, messages, status, policing } = this.parts
    // first, so that a port in use fails the start before the node joins
    await this.http?.start()
    for (const event of LIBP2P_EVENTS) {
      libp2p.addEventListener(event, this.forward)
    }
    for (const event of MEMBER_EVENTS) {
      members.addEventListener(event, this.forward)
    }
    try {
      // our protocols are served before libp2p listens, so that no peer finds them missing
      await Promise.all([membership.serve(), messages.start(), status.start()])
      await libp2p.start()
    } catch (err) {
      await this.stopNow() // a port in use: nothing may keep the process alive
      throw err
    }
    broadcaster.start()
    policing.start()
    readiness.start()
    this.safeDispatchEvent('listening')
    membership.start()
    try {
      await membership.registrations.registerWithBootstraps()
    } catch (err) {
      await this.stop()
      throw err
    }
    // only an accepted node announces itself and looks for peers: a refused one leaves no trace
    await membership.join()
    keeper.start()
  }

  /**
   * Leaves the network gracefully, then stops: a signed LEAVE announcement, a goodbye to every connected peer and a
   * deregistration at the bootstraps (each capped at about a second, all at once). Other nodes show the leave at
   * once and do not redial this node. Bounded in time, and harmless to repeat.
   */
  async leave (message = 'leaving', reason: GoodbyeReason = 'leaving'): Promise<void> {
    if (!this.isStarted) {
      return this.stop()
    }
    this.stopping = (async () => {
      this.parts.keeper.stop()
      await this.parts.membership.leave(reason, message)
      await this.stopNow()
    })()
    await this.stopping
  }

  /**
   * Orders every node of the network to leave, then leaves. Only an operator (by default a bootstrap's key) may:
   * rejects with NotOperatorError otherwise. Orders signed by anyone else are rejected by every node.
   */
  async shutdownNetwork (reason = 'shutdown ordered by the operator'): Promise<void> {
    this.assertStarted()
    await this.parts.membership.orderShutdown(reason)
    await this.leave(reason, 'network-shutdown')
  }

  /** Stops the node: closes every connection and stops every service. Bounded in time, and harmless to repeat. */
  async stop (): Promise<void> {
    if (this.libp2p.status === 'stopped' && this.stopping == null) {
      return
    }
    this.stopping ??= this.stopNow()
    await this.stopping
  }

  private async stopNow (): Promise<void> {
    const { libp2p, members, membership, keeper, readiness, broadcaster, messages, status, policing } = this.parts
    await this.http?.stop()
    keeper.stop()
    readiness.stop()
    policing.stop()
    broadcaster.stop()
    membership.stop()
    await Promise.allSettled([membership.unserve(), messages.stop(), status.stop()])
    for (const event of MEMBER_EVENTS) {
      members.removeEventListener(event, this.forward)
    }
    for (const event of LIBP2P_EVENTS) {
      libp2p.removeEventListener(event, this.forward)
    }
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      libp2p.stop(),
      new Promise<void>(resolve => { timer = setTimeout(resolve, STOP_TIMEOUT) })
    ]).finally(() => { clearTimeout(timer) })
  }

  /**
   * Sends `data` to every node of the network over gossipsub, signed by this node. Resolves with the message id
   * and the number of peers it was handed to (0 while the node has no peers yet).
   */
  async broadcast (data: string | Uint8Array): Promise<BroadcastResult> {
    this.assertStarted()
    return this.parts.broadcaster.publish(toBytes(data))
  }

  /**
   * Sends `data` to one node, given by peer id or name, over `/<prefix>/message/1.0.0`, dialing it if needed.
   * Resolves once the receiver has acknowledged it. Rejects with UnknownPeerError, UnreachablePeerError,
   * RejectedError, MessageTooLargeError or TimeoutError.
   */
  async send (target: PeerId | string, data: string | Uint8Array, options: { signal?: AbortSignal } = {}): Promise<SendResult> {
    this.assertStarted()
    const peer = await this.parts.lookup.resolve(target, options.signal)
    if (peer.equals(this.peerId)) {
      throw new RejectedError('a node cannot send a message to itself')
    }
    const id = await this.parts.messages.send(peer, toBytes(data), options)
    return { id, peerId: peer.toString() }
  }

  /** This node's status, or, given a peer id or name, that node's status as it reports it. */
  async status (target?: PeerId | string, options: { signal?: AbortSignal } = {}): Promise<NodeStatus> {
    this.assertStarted()
    const peer = target == null ? this.peerId : await this.parts.lookup.resolve(target, options.signal)
    if (peer.equals(this.peerId)) {
      return this.parts.status.local()
    }
    return this.askPeer(peer, async () => this.parts.status.ask(peer, options))
  }

  /**
   * The number of live members of the network, counted in this node's membership view; given a peer id or name,
   * as that node counts it (over `/<prefix>/network-size/1.0.0`).
   */
  async networkSize (target?: PeerId | string, options: { signal?: AbortSignal } = {}): Promise<NetworkSize> {
    this.assertStarted()
    const peer = target == null ? this.peerId : await this.parts.lookup.resolve(target, options.signal)
    if (peer.equals(this.peerId)) {
      return this.parts.membership.networkSize()
    }
    return this.askPeer(peer, async () => queryNetworkSize(this.parts.membership.protocols.networkSize, peer, options))
  }

  /** This node's view of the network: its size, members by state, this node's connections and message counts. */
  networkStatus (): NetworkStatus {
    const { members: view, membership, broadcaster, messages, status, guard } = this.parts
    const members: Record<MemberState, number> = { alive: 0, suspect: 0, dead: 0, left: 0 }
    for (const member of view.all()) {
      members[member.state]++
    }
    return {
      peerId: this.peerId.toString(),
      name: this.name,
      role: this.role,
      uptimeMs: status.uptime(),
      size: membership.networkSize(),
      members,
      connections: this.libp2p.getConnections().length,
      peerConnections: this.peerConnections(),
      meshPeers: this.meshPeers(),
      messages: {
        sent: { broadcast: broadcaster.counts.sent, direct: messages.counts.sent },
        received: { broadcast: broadcaster.counts.received, direct: messages.counts.received },
        rejected: { broadcast: broadcaster.counts.rejected, direct: messages.counts.rejected },
        rejectedAnnouncements: membership.rejected
      },
      bans: guard.stats()
    }
  }

  /** The members of the network this node knows of, itself left out, with their state; gone ones for a while. */
  members (): MemberInfo[] {
    const connected = new Set(this.libp2p.getPeers().map(String))
    return this.parts.members.all().map(member => toMemberInfo(member, connected.has(member.peerId.toString())))
  }

  /** Peers in this node's broadcast mesh. */
  meshPeers (): number {
    return this.meshPeerIds().length
  }

  /** Peer ids of the peers in this node's broadcast mesh. */
  meshPeerIds (): string[] {
    return this.parts.broadcaster.meshPeerIds()
  }

  /** The live members that registered with this node (a bootstrap's registry). */
  registeredMembers (): MemberInfo[] {
    const registered = new Set(this.parts.membership.registrations.registered())
    return this.members().filter(member => registered.has(member.peerId) && !isGone(member))
  }

  /**
   * The live member with this peer id or name (this node included), asking the bootstraps when this node's view
   * does not hold it; undefined if no live member has it.
   */
  async findMember (target: string, signal?: AbortSignal): Promise<{ peerId: string, name: string } | undefined> {
    return this.parts.lookup.find(target, signal)
  }

  /** Connected peers that are not bootstraps. */
  peerConnections (): number {
    return this.parts.keeper.peerConnections()
  }

  /** Runs a request to `peer`, reporting a failure to reach it as UnreachablePeerError (timeouts as they are). */
  private async askPeer<T> (peer: PeerId, request: () => Promise<T>): Promise<T> {
    try {
      return await request()
    } catch (err) {
      throw nameOf(err) === 'TimeoutError' ? err : new UnreachablePeerError(peer.toString(), err)
    }
  }

  private assertStarted (): void {
    if (!this.isStarted) {
      throw new NotStartedError()
    }
  }

  private reportRejection (kind: RejectedMessage['kind'], refused: { id: string, from?: PeerId, senderName: string, reason: string }): void {
    const rejected: RejectedMessage = { kind, from: refused.from, fromName: refused.senderName, id: refused.id, reason: refused.reason }
    this.verifyLog('rejected a %s message from %s: %s', rejected.kind, rejected.from?.toString() ?? 'an unsigned sender', rejected.reason)
    this.safeDispatchEvent('message:rejected', { detail: rejected })
  }

  private emitMessage (message: { id: string, kind: NodeMessage['kind'], from: PeerId, senderName: string, payload: Uint8Array, sentAt: number }): void {
    const { id, kind, from, senderName, payload, sentAt } = message
    this.safeDispatchEvent('message', {
      detail: { id, kind, from, fromName: senderName, payload, text: uint8ArrayToString(payload), sentAt, receivedAt: Date.now() }
    })
  }

  /** A bootstrap could not be reached or did not accept this node for now; another peer at its address is fatal while joining. */
  private onBootstrapFailed (address: Multiaddr, err: Error): void {
    if (err.name === JoinRefusedError.name && !this.parts.membership.registrations.isJoined) {
      this.onRefused(err as JoinRefusedError)
      return
    }
    this.safeDispatchEvent('bootstrap:failed', { detail: { address: address.toString(), error: err.message } })
  }

  /** No goodbye, no LEAVE: a refused node is not a member, and with a duplicate key it would speak for another. */
  private onRefused (err: JoinRefusedError): void {
    if (this.stopping != null) {
      return
    }
    this.safeDispatchEvent('refused', { detail: err })
    void this.stop()
  }

  // one forwarder for libp2p's and the view's events: each detail has the type P2PNodeEvents declares for its name
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private forward (evt: CustomEvent<any>): void {
    this.safeDispatchEvent(evt.type as keyof P2PNodeEvents, { detail: evt.detail })
  }
}

function toBytes (data: string | Uint8Array): Uint8Array {
  if (typeof data === 'string') {
    return fromUtf8(data)
  }
  if (data instanceof Uint8Array) {
    return data
  }
  throw new TypeError('expected a string or a Uint8Array')
}
