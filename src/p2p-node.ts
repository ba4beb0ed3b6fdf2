import { peerIdFromString } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { fromString as fromUtf8 } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { randomBytes } from '@libp2p/crypto'
import { ConnectionKeeper } from './discovery/connection-keeper.js'
import { JoinRefusedError, MessageTooLargeError, NotStartedError, RejectedError, UnknownPeerError, UnreachablePeerError } from './errors.js'
import { GRAYLIST_THRESHOLD, broadcastTopic, encodeBroadcast, readBroadcast, seenTtl } from './gossip/broadcast.js'
import { SenderCheck, type Refusal } from './membership/sender-check.js'
import { STRIKES, type PeerGuard } from './protection/peer-guard.js'
import { TopicValidatorResult } from '@libp2p/interface'
import { Membership } from './membership/membership.js'
import { isGone } from './membership/members.js'
import { NodeMetrics } from './http/metrics.js'
import { HttpApi } from './http/server.js'
import { queryNetworkSize, type NetworkSize, type NetworkSizeService } from './protocols/network-size/index.js'
import { queryStatus, type NodeStatus, type StatusService } from './protocols/status/index.js'
import { peerIdText } from './protocols/wire.js'
import { VERSION } from './version.js'
import type { NodeConfig, Role } from './config.js'
import type { Member, MemberEvents, MemberList, MemberState } from './membership/members.js'
import type { GoodbyeReason, GoodbyeService } from './protocols/goodbye/index.js'
import type { MessageService, ReceivedDirectMessage } from './protocols/message/index.js'
import type { PeerExchangeService } from './protocols/peer-exchange/index.js'
import type { RegistryService } from './protocols/registry/index.js'
import type { GossipSub, GossipsubMessage } from '@chainsafe/libp2p-gossipsub'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, Logger, Message, PeerId, PeerInfo, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { Multiaddr } from '@multiformats/multiaddr'

// a type, not an interface: libp2p's ServiceMap wants an index signature, which only type aliases get implicitly
export type NodeServices = {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
  status: StatusService
  peerExchange: PeerExchangeService
  messages: MessageService
  networkSize: NetworkSizeService
  goodbye: GoodbyeService
  registry: RegistryService
}

/** A message this node received, by broadcast or directly. */
export interface NodeMessage {
  /** 32 hex characters, chosen by the sender. */
  id: string
  kind: 'broadcast' | 'direct'
  /** The authenticated sender: the gossipsub signer, or the Noise-authenticated remote peer. */
  from: PeerId
  /** The name the sender is registered under: a message claiming another one is refused. */
  fromName: string
  payload: Uint8Array
  /** The payload decoded as UTF-8 (with replacement characters where it is not). */
  text: string
  /** Sender's clock, ms since the epoch. */
  sentAt: number
  /** This node's clock, ms since the epoch. */
  receivedAt: number
}

/** A member of the network, as this node sees it. */
export interface MemberInfo {
  peerId: string
  name: string
  role: Role
  state: MemberState
  multiaddrs: string[]
  /** Whether this node is connected to it. */
  connected: boolean
  /** When this node first heard of it, ms since the epoch. */
  firstSeen: number
  /** The latest first-hand news of it, ms since the epoch. */
  lastSeen: number
  /** Peer ids it was connected to, as of its last heartbeat: the edges of the network graph. */
  neighbours: string[]
  /** Those of its neighbours that were in its broadcast mesh. */
  mesh: string[]
}

/** A node's view of the network and of its own part in it. */
export interface NetworkStatus {
  peerId: string
  name: string
  role: Role
  uptimeMs: number
  size: NetworkSize
  /** Members of this node's view by state, itself not counted. */
  members: Record<MemberState, number>
  connections: number
  peerConnections: number
  meshPeers: number
  messages: {
    sent: { broadcast: number, direct: number }
    received: { broadcast: number, direct: number }
    /** Messages refused: malformed, from a sender that is not a live member, claiming another name, or replays. */
    rejected: { broadcast: number, direct: number }
    /** Membership announcements refused: malformed, or not allowed from their sender (forged DEAD or shutdown). */
    rejectedAnnouncements: number
  }
  /** Peers this node banned for flooding or misbehaving: kept out now, and banned since start. */
  bans: { now: number, total: number }
}

/** A message this node refused, and why. */
export interface RejectedMessage {
  kind: 'broadcast' | 'direct'
  /** The authenticated sender; undefined for an unsigned broadcast. */
  from?: PeerId
  /** The name the sender claimed. */
  fromName: string
  id: string
  reason: string
}

export interface ShutdownOrder {
  /** The operator who ordered it, authenticated by its signature. */
  from: PeerId
  reason: string
}

export interface BroadcastResult {
  id: string
  /** Peers the message was sent to directly; gossipsub carries it on to the rest. */
  recipients: number
}

export interface SendResult {
  id: string
  peerId: string
}

export interface P2PNodeEvents extends MemberEvents {
  /** A broadcast or direct message arrived. */
  message: CustomEvent<NodeMessage>
  /** A peer was learned of, from a bootstrap or another node. */
  'peer:discovery': CustomEvent<PeerInfo>
  'peer:connect': CustomEvent<PeerId>
  'peer:disconnect': CustomEvent<PeerId>
  /**
   * A peer node is ready: a registered member that holds the network's view and is in the broadcast mesh (or is
   * the only peer node), so that its broadcasts reach everyone. Once per start; never for a bootstrap.
   */
  ready: CustomEvent<void>
  /** libp2p listens (node.multiaddrs are known); next, the node registers with its bootstraps. Once per start. */
  listening: CustomEvent<void>
  /** A bootstrap accepted this node: it is a member now, and catches up with the network's view. Once per start. */
  joined: CustomEvent<{ bootstrap: PeerId }>
  /**
   * A bootstrap of this node's list could not be reached, or did not accept the registration, for now: it is tried
   * again with backoff (1 s, doubling, up to 10 s).
   */
  'bootstrap:failed': CustomEvent<{ address: string, error: string }>
  /** A broadcast or direct message was refused; `reason` says why. Counted in networkStatus().messages.rejected. */
  'message:rejected': CustomEvent<RejectedMessage>
  /** A peer flooded this node or misbehaved: it was hung up on and is kept out for `banDuration`. */
  'peer:banned': CustomEvent<{ peerId: PeerId, reason: string }>
  /** An operator ordered the network to shut down: this node is leaving. */
  shutdown: CustomEvent<ShutdownOrder>
  /**
   * A bootstrap that was unreachable at start refused this node later (its name or key was taken, or another peer
   * answers at its address): it is leaving. At start, the refusal rejects start() instead.
   */
  refused: CustomEvent<JoinRefusedError>
}

/** Bound of stop(): past it, the node is reported stopped and libp2p finishes in the background. */
const STOP_TIMEOUT = 5_000
/** A joined node catches up with its bootstrap's view once in the membership mesh, or after this long without one. */
const CATCH_UP_WAIT = 10_000
/** Gossipsub heartbeats a node connected to enough peers may spend outside a mesh before it looks for more. */
const MESHLESS_HEARTBEATS = 3
const MEMBER_EVENTS = ['member:join', 'member:suspect', 'member:dead', 'member:leave'] as const

/** A running node of the network. Create one with createNode(). */
export class P2PNode extends TypedEventEmitter<P2PNodeEvents> {
  /** The libp2p node underneath, for power users. */
  readonly libp2p: Libp2p<NodeServices>
  readonly role: Role
  readonly name: string
  /** @internal Membership: announcements, registrations, liveness, leaving. */
  readonly membership: Membership
  /** The gossipsub topic broadcasts travel on. */
  readonly topic: string
  private readonly config: NodeConfig
  private readonly memberList: MemberList
  private readonly keeper: ConnectionKeeper
  private readonly counters = { sentBroadcast: 0, sentDirect: 0, receivedBroadcast: 0, receivedDirect: 0, rejectedBroadcast: 0, rejectedDirect: 0 }
  private readonly senderCheck: SenderCheck
  private readonly verifyLog: Logger
  private readonly guard: PeerGuard
  /** The local HTTP control API and dashboard, when the `http` option was given. */
  readonly http?: HttpApi
  private startedAt = 0
  /** When a bootstrap first accepted this node, this start. */
  private joinedAt = 0
  private ready = false
  /** Gossipsub heartbeats in a row this node spent outside a mesh while connected to enough peers. */
  private heartbeatsOutsideMesh = 0
  private stopping?: Promise<void>

  constructor (libp2p: Libp2p<NodeServices>, config: NodeConfig, members: MemberList, privateKey: PrivateKey, guard: PeerGuard, metrics?: NodeMetrics) {
    super()
    this.libp2p = libp2p
    this.config = config
    this.memberList = members
    this.role = config.role
    this.name = config.name ?? (config.role === 'bootstrap' ? 'bootstrap' : `node-${libp2p.peerId.toString().slice(-6)}`)
    this.topic = broadcastTopic(config.protocolPrefix)
    const bootstraps = config.bootstrap.map(ma => peerIdFromString(ma.getPeerId() ?? ''))
    this.keeper = new ConnectionKeeper({
      libp2p,
      peerExchange: libp2p.services.peerExchange,
      members,
      bootstrap: config.bootstrap,
      role: config.role,
      targetConnections: config.targetConnections,
      maxParallelDials: config.maxParallelDials,
      peerExchangeInterval: config.peerExchangeInterval,
      syncInterval: config.heartbeatInterval,
      dialTimeout: config.requestTimeout,
      onBootstrapFailed: (address, err) => { this.onBootstrapFailed(address, err) },
      log: libp2p.logger.forComponent('p2p-node:discovery')
    })
    // by default the network's operators are its bootstraps: a bootstrap's own key orders its network's shutdown
    const operators = config.operators ?? (config.role === 'bootstrap' ? [libp2p.peerId, ...bootstraps] : bootstraps)
    this.membership = new Membership({
      libp2p,
      members,
      protocolPrefix: config.protocolPrefix,
      role: config.role,
      describeSelf: () => ({ name: this.name, role: this.role, multiaddrs: libp2p.getMultiaddrs() }),
      broadcastTopic: this.topic,
      bootstraps: config.bootstrap,
      operators: new Set(operators.map(String)),
      privateKey,
      guard,
      heartbeatInterval: config.heartbeatInterval,
      pingInterval: config.pingInterval,
      requestTimeout: config.requestTimeout,
      maxAnnouncementAge: seenTtl(config.replayWindow),
      onShutdown: (from, reason) => {
        this.safeDispatchEvent('shutdown', { detail: { from, reason } })
        void this.leave('network shutdown ordered', 'network-shutdown')
      },
      onRefused: (err) => { this.onRefused(err) },
      onBootstrapFailed: (address, err) => { this.onBootstrapFailed(address, err) },
      onJoined: (bootstrap) => {
        this.joinedAt = Date.now()
        this.safeDispatchEvent('joined', { detail: { bootstrap } })
        this.checkReady()
      },
      log: libp2p.logger.forComponent('p2p-node:membership')
    })
    this.senderCheck = new SenderCheck({
      members,
      checkCertificate: async (member) => this.membership.checkCertificate(member),
      lookUp: async (peer) => this.membership.registrations.lookUp(peer),
      replayWindow: config.replayWindow
    })
    this.verifyLog = libp2p.logger.forComponent('p2p-node:verify')
    this.guard = guard
    guard.onBan = (peer, reason) => {
      this.safeDispatchEvent('peer:banned', { detail: { peerId: peer, reason } })
      libp2p.hangUp(peer).catch(err => { this.verifyLog('hanging up on banned %p failed: %s', peer, err.message) })
    }
    this.validateBroadcast = this.validateBroadcast.bind(this)
    this.onRejectedDirect = this.onRejectedDirect.bind(this)
    this.onGossipMessage = this.onGossipMessage.bind(this)
    this.checkReady = this.checkReady.bind(this)
    this.onHeartbeat = this.onHeartbeat.bind(this)
    this.onSubscriptions = this.onSubscriptions.bind(this)
    this.onDirectMessage = this.onDirectMessage.bind(this)
    this.forward = this.forward.bind(this)
    if (config.http != null) {
      this.http = new HttpApi(this, config.http, metrics ?? new NodeMetrics(), libp2p.logger.forComponent('p2p-node:http'))
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
    return this.config.maxMessageBytes
  }

  /** Deadline of one request to another node, in ms (the `requestTimeout` option). */
  get requestTimeout (): number {
    return this.config.requestTimeout
  }

  get isStarted (): boolean {
    return this.libp2p.status === 'started' && this.stopping == null
  }

  /**
   * True once the node is a registered member that holds the network's view (it paged through a bootstrap's) and can
   * broadcast to everyone: it is in the broadcast mesh, or it is the only peer node. A bootstrap always is.
   */
  get isReady (): boolean {
    if (!this.isStarted) {
      return false
    }
    return this.role === 'bootstrap' || (this.holdsView() && (this.meshPeers() > 0 || !this.knowsPeerNodes()))
  }

  /** Registered, and caught up with a bootstrap's view. */
  private holdsView (): boolean {
    return this.membership.registrations.isJoined && this.keeper.hasCaughtUp
  }

  private knowsPeerNodes (): boolean {
    return this.memberList.live().some(member => member.role === 'peer')
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
    this.ready = false
    // first, so that a port in use fails the start before the node joins
    await this.http?.start()
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validateBroadcast)
    pubsub.addEventListener('gossipsub:message', this.onGossipMessage)
    pubsub.addEventListener('gossipsub:graft', this.checkReady)
    pubsub.addEventListener('gossipsub:heartbeat', this.onHeartbeat)
    pubsub.addEventListener('subscription-change', this.onSubscriptions)
    this.libp2p.services.messages.addEventListener('message', this.onDirectMessage)
    this.libp2p.services.messages.addEventListener('rejected', this.onRejectedDirect)
    for (const event of ['peer:discovery', 'peer:connect', 'peer:disconnect'] as const) {
      this.libp2p.addEventListener(event, this.forward)
    }
    for (const event of MEMBER_EVENTS) {
      this.memberList.addEventListener(event, this.forward)
    }
    try {
      await this.libp2p.start()
    } catch (err) {
      await this.http?.stop() // a port in use: nothing may keep the process alive
      throw err
    }
    pubsub.subscribe(this.topic)
    this.startedAt = Date.now()
    this.safeDispatchEvent('listening')
    this.membership.start()
    try {
      await this.membership.registrations.registerWithBootstraps()
    } catch (err) {
      await this.stop()
      throw err
    }
    // only an accepted node announces itself and looks for peers: a refused one leaves no trace
    await this.membership.join()
    this.keeper.start()
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
      this.keeper.stop()
      await this.membership.leave(reason, message)
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
    await this.membership.orderShutdown(reason)
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
    await this.http?.stop()
    this.keeper.stop()
    this.membership.stop()
    for (const event of MEMBER_EVENTS) {
      this.memberList.removeEventListener(event, this.forward)
    }
    const pubsub = this.libp2p.services.pubsub
    pubsub.removeEventListener('gossipsub:message', this.onGossipMessage)
    pubsub.removeEventListener('gossipsub:graft', this.checkReady)
    pubsub.removeEventListener('gossipsub:heartbeat', this.onHeartbeat)
    pubsub.removeEventListener('subscription-change', this.onSubscriptions)
    this.libp2p.services.messages.removeEventListener('message', this.onDirectMessage)
    this.libp2p.services.messages.removeEventListener('rejected', this.onRejectedDirect)
    for (const event of ['peer:discovery', 'peer:connect', 'peer:disconnect'] as const) {
      this.libp2p.removeEventListener(event, this.forward)
    }
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.libp2p.stop(),
      new Promise<void>(resolve => { timer = setTimeout(resolve, STOP_TIMEOUT) })
    ]).finally(() => { clearTimeout(timer) })
  }

  /**
   * Sends `data` to every node of the network over gossipsub, signed by this node. Resolves with the message id
   * and the number of peers it was handed to (0 while the node has no peers yet).
   */
  async broadcast (data: string | Uint8Array): Promise<BroadcastResult> {
    this.assertStarted()
    const payload = toBytes(data)
    if (payload.byteLength > this.config.maxMessageBytes) {
      throw new MessageTooLargeError(payload.byteLength, this.config.maxMessageBytes)
    }
    const id = randomBytes(16)
    const result = await this.libp2p.services.pubsub.publish(this.topic, encodeBroadcast({
      id, payload, senderName: this.name, sentAt: Date.now()
    }))
    this.counters.sentBroadcast++
    return { id: uint8ArrayToString(id, 'base16'), recipients: result.recipients.length }
  }

  /**
   * Sends `data` to one node, given by peer id or name, over `/<prefix>/message/1.0.0`, dialing it if needed.
   * Resolves once the receiver has acknowledged it. Rejects with UnknownPeerError, UnreachablePeerError,
   * RejectedError, MessageTooLargeError or TimeoutError.
   */
  async send (target: PeerId | string, data: string | Uint8Array, options: { signal?: AbortSignal } = {}): Promise<SendResult> {
    this.assertStarted()
    const peer = await this.resolvePeer(target, options.signal)
    if (peer.equals(this.peerId)) {
      throw new RejectedError('a node cannot send a message to itself')
    }
    const id = await this.libp2p.services.messages.send(peer, toBytes(data), options)
    this.counters.sentDirect++
    return { id, peerId: peer.toString() }
  }

  /** This node's status, or, given a peer id or name, that node's status as it reports it. */
  async status (target?: PeerId | string, options: { signal?: AbortSignal } = {}): Promise<NodeStatus> {
    this.assertStarted()
    if (target == null) {
      return this.localStatus()
    }
    const peer = await this.resolvePeer(target, options.signal)
    if (peer.equals(this.peerId)) {
      return this.localStatus()
    }
    return this.askPeer(peer, async () => queryStatus(this.libp2p.services.status, peer, options))
  }

  /**
   * The number of live members of the network, counted in this node's membership view; given a peer id or name,
   * as that node counts it (over `/<prefix>/network-size/1.0.0`).
   */
  async networkSize (target?: PeerId | string, options: { signal?: AbortSignal } = {}): Promise<NetworkSize> {
    this.assertStarted()
    const peer = target == null ? this.peerId : await this.resolvePeer(target, options.signal)
    if (peer.equals(this.peerId)) {
      return this.membership.networkSize()
    }
    return this.askPeer(peer, async () => queryNetworkSize(this.libp2p.services.networkSize, peer, options))
  }

  /** This node's view of the network: its size, members by state, this node's connections and message counts. */
  networkStatus (): NetworkStatus {
    const members: Record<MemberState, number> = { alive: 0, suspect: 0, dead: 0, left: 0 }
    for (const member of this.memberList.all()) {
      members[member.state]++
    }
    const { sentBroadcast, sentDirect, receivedBroadcast, receivedDirect } = this.counters
    return {
      peerId: this.peerId.toString(),
      name: this.name,
      role: this.role,
      uptimeMs: this.uptime(),
      size: this.membership.networkSize(),
      members,
      connections: this.libp2p.getConnections().length,
      peerConnections: this.peerConnections(),
      meshPeers: this.meshPeers(),
      messages: {
        sent: { broadcast: sentBroadcast, direct: sentDirect },
        received: { broadcast: receivedBroadcast, direct: receivedDirect },
        rejected: { broadcast: this.counters.rejectedBroadcast, direct: this.counters.rejectedDirect },
        rejectedAnnouncements: this.membership.rejected
      },
      bans: this.guard.stats()
    }
  }

  /** The members of the network this node knows of, itself left out, with their state; gone ones for a while. */
  members (): MemberInfo[] {
    const connected = new Set(this.libp2p.getPeers().map(String))
    return this.memberList.all().map(member => toMemberInfo(member, connected.has(member.peerId.toString())))
  }

  /** Peers in this node's broadcast mesh. */
  meshPeers (): number {
    return this.libp2p.services.pubsub.getMeshPeers(this.topic).length
  }

  /** Peer ids of the peers in this node's broadcast mesh. */
  meshPeerIds (): string[] {
    return this.libp2p.services.pubsub.getMeshPeers(this.topic)
  }

  /** The live members that registered with this node (a bootstrap's registry). */
  registeredMembers (): MemberInfo[] {
    const registered = new Set(this.membership.registrations.registered())
    return this.members().filter(member => registered.has(member.peerId) && !isGone(member))
  }

  /**
   * The live member with this peer id or name (this node included), asking the bootstraps when this node's view
   * does not hold it; undefined if no live member has it.
   */
  async findMember (target: string, signal?: AbortSignal): Promise<{ peerId: string, name: string } | undefined> {
    if (target === this.name || target === this.peerId.toString()) {
      return { peerId: this.peerId.toString(), name: this.name }
    }
    let peer: PeerId
    try {
      peer = peerIdFromString(target)
    } catch {
      const member = await this.memberByName(target, signal)
      return member == null ? undefined : { peerId: member.peerId.toString(), name: member.name }
    }
    const known = this.memberList.get(peer)
    if (known != null && !isGone(known)) {
      return { peerId: known.peerId.toString(), name: known.name }
    }
    const name = await this.membership.registrations.lookUp(peer)
    return name == null ? undefined : { peerId: peer.toString(), name }
  }

  /** Connected peers that are not bootstraps. */
  peerConnections (): number {
    return this.keeper.peerConnections()
  }

  /** @internal The answer of the status protocol. */
  localStatus (): NodeStatus {
    return {
      peerId: this.peerId.toString(),
      name: this.name,
      role: this.role,
      version: VERSION,
      uptimeMs: this.uptime(),
      multiaddrs: this.multiaddrs,
      connections: this.libp2p.getConnections().length,
      knownPeers: this.memberList.live().length,
      meshPeers: this.meshPeers(),
      networkSize: this.membership.networkSize().size,
      rejectedMessages: this.counters.rejectedBroadcast + this.counters.rejectedDirect,
      state: this.isReady ? 'joined' : 'joining'
    }
  }

  private uptime (): number {
    return this.startedAt === 0 ? 0 : Date.now() - this.startedAt
  }

  /** Runs a request to `peer`, reporting a failure to reach it as UnreachablePeerError (timeouts as they are). */
  private async askPeer<T> (peer: PeerId, request: () => Promise<T>): Promise<T> {
    try {
      return await request()
    } catch (err: any) {
      throw err.name === 'TimeoutError' ? err : new UnreachablePeerError(peer.toString(), err)
    }
  }

  /** A peer id, given as one or as a string, or the peer holding a name, looked up with the bootstraps if need be. */
  private async resolvePeer (target: PeerId | string, signal?: AbortSignal): Promise<PeerId> {
    if (typeof target !== 'string') {
      return target
    }
    try {
      return peerIdFromString(target)
    } catch {}
    if (target === this.name) {
      return this.peerId
    }
    const known = await this.memberByName(target, signal)
    if (known == null) {
      throw new UnknownPeerError(target)
    }
    return known.peerId
  }

  /** The live member holding `name`, asking the connected bootstraps and another node when this node's view does not. */
  private async memberByName (name: string, signal?: AbortSignal): Promise<Member | undefined> {
    if (this.memberList.findByName(name) == null) {
      await this.keeper.lookUpName(name, signal)
    }
    return this.memberList.findByName(name)
  }

  private assertStarted (): void {
    if (!this.isStarted) {
      throw new NotStartedError()
    }
  }

  /**
   * @internal Why a direct message must be refused (sender, name, window, replay), or undefined to deliver it. It
   * came straight from its sender, so a false claim costs the sender strikes. A replay does not: it is the sender's
   * own retry of a message whose acknowledgement it lost, and is acknowledged as a duplicate.
   */
  async refusal (from: PeerId, senderName: string, id: string, sentAt: number): Promise<Refusal | undefined> {
    const refusal = await this.senderCheck.refusal(from, senderName, id, sentAt)
    if (refusal != null && refusal.kind !== 'window' && refusal.kind !== 'replay') {
      this.guard.strike(from, STRIKES.invalid, refusal.reason)
    }
    return refusal
  }

  /**
   * gossipsub topic validator of the broadcast topic. A broadcast is refused when it is malformed, when its origin
   * is over its rate limit, or when its sender is not a live member, claims another name or replays one.
   * Only a malformed one is rejected: gossipsub then penalises every peer that passed a copy on, and no honest node
   * passes one on. The others depend on each node's view, clock and budget, and an honest forwarder that accepted
   * one must not pay for it: they are ignored, and the origin, if it sent one itself, pays in strikes (the app part
   * of its score). None is delivered or passed on.
   */
  private async validateBroadcast (source: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const fromOrigin = msg.type === 'signed' && source.equals(msg.from)
    const accepted = readBroadcast(msg, this.config.maxMessageBytes)
    if (accepted == null) {
      this.rejectBroadcast(msg, '', '', 'malformed broadcast')
      if (fromOrigin) this.guard.strike(source, STRIKES.malformed, 'malformed broadcast')
      return TopicValidatorResult.Reject
    }
    const { from, envelope } = accepted
    const id = uint8ArrayToString(envelope.id, 'base16')
    if (!this.guard.allow(from, 'broadcastsPerSecond')) { // the origin got its strike
      this.rejectBroadcast(msg, envelope.senderName, id, 'its sender is over its broadcast rate limit, or banned')
      return TopicValidatorResult.Ignore
    }
    const refusal = await this.senderCheck.refusal(from, envelope.senderName, id, envelope.sentAt)
    if (refusal == null) {
      return TopicValidatorResult.Accept
    }
    this.rejectBroadcast(msg, envelope.senderName, id, refusal.reason)
    // a clock set wrong is not an attack
    if (fromOrigin && refusal.kind !== 'window') {
      this.guard.strike(source, STRIKES.invalid, refusal.reason)
    }
    return TopicValidatorResult.Ignore
  }

  private rejectBroadcast (msg: Message, fromName: string, id: string, reason: string): void {
    this.counters.rejectedBroadcast++
    this.reportRejection({ kind: 'broadcast', from: msg.type === 'signed' ? msg.from : undefined, fromName, id, reason })
  }

  /**
   * Each gossipsub heartbeat: a peer whose score fell below the graylist threshold is hung up on and banned, and a
   * node that stays outside a mesh looks for more peers.
   */
  private onHeartbeat (): void {
    this.checkReady()
    this.findMeshRoom()
    const pubsub = this.libp2p.services.pubsub
    for (const peer of pubsub.getPeers()) {
      const score = pubsub.getScore(peer.toString())
      if (score < GRAYLIST_THRESHOLD) {
        this.guard.ban(peer, `its gossipsub score ${score.toFixed(1)} fell below the graylist threshold (${GRAYLIST_THRESHOLD})`)
      }
    }
  }

  /**
   * gossipsub frames with subscriptions count against the sender's subscription limit. gossipsub drops topics we
   * do not allow before they cost memory; a peer that keeps sending them is flooding, and is banned for it.
   */
  private onSubscriptions (evt: CustomEvent<{ peerId: PeerId }>): void {
    this.guard.allow(evt.detail.peerId, 'subscriptionsPerSecond')
  }

  private onRejectedDirect (evt: CustomEvent<{ id: string, from: PeerId, senderName: string, reason: string }>): void {
    const { id, from, senderName, reason } = evt.detail
    this.counters.rejectedDirect++
    this.reportRejection({ kind: 'direct', from, fromName: senderName, id, reason })
  }

  private reportRejection (rejected: RejectedMessage): void {
    this.verifyLog('rejected a %s message from %s: %s', rejected.kind, rejected.from?.toString() ?? 'an unsigned sender', rejected.reason)
    this.safeDispatchEvent('message:rejected', { detail: rejected })
  }

  private onGossipMessage (evt: CustomEvent<GossipsubMessage>): void {
    const { msg } = evt.detail
    if (msg.topic !== this.topic) {
      return
    }
    const accepted = readBroadcast(msg, this.config.maxMessageBytes) // the validator accepted it; this cannot fail
    if (accepted == null) {
      return
    }
    const { from, envelope } = accepted
    this.counters.receivedBroadcast++
    this.emitMessage({
      id: uint8ArrayToString(envelope.id, 'base16'),
      kind: 'broadcast',
      from,
      fromName: envelope.senderName,
      payload: envelope.payload,
      sentAt: envelope.sentAt
    })
  }

  private onDirectMessage (evt: CustomEvent<ReceivedDirectMessage>): void {
    const { id, from, senderName, payload, sentAt } = evt.detail
    this.counters.receivedDirect++
    this.emitMessage({ id, kind: 'direct', from, fromName: senderName, payload, sentAt })
  }

  private emitMessage (message: Omit<NodeMessage, 'text' | 'receivedAt'>): void {
    this.safeDispatchEvent('message', {
      detail: { ...message, text: uint8ArrayToString(message.payload), receivedAt: Date.now() }
    })
  }

  /**
   * A peer node connected to its target number of peers, yet outside the broadcast or the membership mesh for
   * MESHLESS_HEARTBEATS gossipsub heartbeats, has met only peers whose meshes are full: it dials more (see
   * ConnectionKeeper.widen). Measured in one process, 200 nodes: a quarter of the meshes held Dhi peers.
   */
  private findMeshRoom (): void {
    if (this.role !== 'peer') {
      return
    }
    const pubsub = this.libp2p.services.pubsub
    if (pubsub.getMeshPeers(this.topic).length > 0 && pubsub.getMeshPeers(this.membership.topic).length > 0) {
      this.heartbeatsOutsideMesh = 0
      this.keeper.settle()
      return
    }
    if (this.keeper.isShort()) {
      this.heartbeatsOutsideMesh = 0
      return
    }
    if (++this.heartbeatsOutsideMesh >= MESHLESS_HEARTBEATS) {
      this.heartbeatsOutsideMesh = 0
      this.keeper.widen()
    }
  }

  /**
   * A peer node registers, catches up with the network's view once in the membership mesh, and is ready once it
   * holds that view and is in the broadcast mesh (see isReady). Runs on registration, gossipsub's graft events and
   * heartbeats; a graft event also fires for grafts that gossipsub refused, so the meshes themselves are checked. A
   * peer this node grafted is in its mesh until that peer's PRUNE arrives: ready may come just before a refusal,
   * and findMeshRoom then looks further.
   */
  private checkReady (): void {
    if (this.role !== 'peer') {
      return
    }
    const registrations = this.membership.registrations
    if (!registrations.isJoined) {
      registrations.retryRegistrations()
      return
    }
    // Once in the membership mesh, this node hears every JOIN sent from now on: a page through a bootstrap's view
    // then adds all that registered before. Caught up earlier, it missed the nodes joining at about the same time
    // (their JOINs went out before it could hear them) until their next heartbeat, minutes later in a big swarm.
    // A node that joined alone has no mesh to wait for, nor one whose bootstrap knew only members that are gone. A
    // failed catch-up is tried again at the next heartbeat.
    const inMesh = this.libp2p.services.pubsub.getMeshPeers(this.membership.topic).length > 0
    if (!this.keeper.hasCaughtUp && (inMesh || registrations.joinedAlone || Date.now() - this.joinedAt > CATCH_UP_WAIT)) {
      this.keeper.catchUp()
    }
    if (!this.ready && this.isReady) {
      this.ready = true
      this.safeDispatchEvent('ready')
    }
  }

  /** A bootstrap could not be reached or did not accept this node for now; another peer at its address is fatal while joining. */
  private onBootstrapFailed (address: Multiaddr, err: Error): void {
    if (err.name === JoinRefusedError.name && !this.membership.registrations.isJoined) {
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

  private forward (evt: CustomEvent<any>): void {
    this.safeDispatchEvent(evt.type as keyof P2PNodeEvents, { detail: evt.detail })
  }
}

function toMemberInfo (member: Member, connected: boolean): MemberInfo {
  return {
    peerId: member.peerId.toString(),
    name: member.name,
    role: member.role,
    state: member.state,
    multiaddrs: member.multiaddrs.map(ma => ma.toString()),
    connected,
    firstSeen: member.firstSeen,
    lastSeen: member.lastSeen,
    neighbours: member.neighbours.map(peerIdText).filter((id): id is string => id != null),
    mesh: member.neighbours.slice(0, member.meshNeighbours).map(peerIdText).filter((id): id is string => id != null)
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
