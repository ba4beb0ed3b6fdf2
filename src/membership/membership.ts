import { randomBytes } from '@libp2p/crypto'
import { TopicValidatorResult } from '@libp2p/interface'
import { TypedEventEmitter } from 'main-event'
import { fromString as fromHex } from 'uint8arrays/from-string'
import { NotOperatorError } from '../errors.js'
import { hearGoodbyes, sayGoodbye, type GoodbyeProtocol, type GoodbyeReason } from './goodbye/index.js'
import { peerIdBytes, roleToWire } from '../wire/fields.js'
import { jitter } from '../random.js'
import { Role as AnnouncementRole } from './pb/announcement.js'
import { Announcement, KIND_TO_WIRE, MAX_ADDRESSES, MAX_NEIGHBOURS, NONCE_BYTES, SHUTDOWN_WINDOW_MS, membershipTopic, readAnnouncement, type AnnouncementKind, type ReadAnnouncement } from './announcements.js'
import { Liveness } from './liveness.js'
import { Registrations } from './registry/registrations.js'
import { issueCertificate, verifyCertificate, type Certificate } from '../verification/certificate.js'
import { STRIKES, type PeerGuard } from '../protection/peer-guard.js'
import { isGone, isVerified, stretchedInterval, type Member, type MemberList } from './members.js'
import type { Role } from '../config.js'
import type { JoinRefusedError } from '../errors.js'
import { serveNetworkSize, type NetworkSize, type NetworkSizeProtocol } from './network-size/index.js'
import type { RegistryProtocol } from './registry/index.js'
import type { GossipSub, GossipsubMessage } from '@chainsafe/libp2p-gossipsub'
import type { Libp2p, Logger, Message, PeerId, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Each goodbye (and deregistration) of a leaving node is capped at this; they all run at once. */
export const GOODBYE_TIMEOUT = 1_000
/** Until its JOIN went out, a node looks for topic peers this often. */
const JOIN_RETRY = 250
/** The view is swept this often, or a tenth of the heartbeat interval if longer: each sweep walks every member. */
const SWEEP_INTERVAL = 500

export interface MembershipInit {
  libp2p: Libp2p<{ pubsub: GossipSub, ping: Ping }>
  /** The protocols membership speaks besides its gossipsub topic: it asks and answers each. */
  protocols: { registry: RegistryProtocol, goodbye: GoodbyeProtocol, networkSize: NetworkSizeProtocol }
  members: MemberList
  protocolPrefix: string
  role: Role
  describeSelf: () => { name: string, role: Role, multiaddrs: Multiaddr[] }
  /** The broadcast topic: heartbeats say which neighbours are in its mesh, for the network graph. */
  broadcastTopic: string
  /** The bootstraps this node was given: it registers with them, and trusts their DEAD notices. */
  bootstraps: Multiaddr[]
  /** Peer ids whose shutdown orders are obeyed. */
  operators: Set<string>
  heartbeatInterval: number
  pingInterval: number
  requestTimeout: number
  /**
   * Announcements sent longer ago than this (ms; or this far in the future) are refused: gossipsub's seen TTL, after
   * which a copy coming round again would be taken for new.
   */
  maxAnnouncementAge: number
  /** Limits each member's announcements, and counts malformed ones against the peer that sent them. */
  guard: PeerGuard
  /** This node's key: a bootstrap signs the certificates of the members it accepts, and its own. */
  privateKey: PrivateKey
  log: Logger
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
 * Keeps this node's membership view true, and tells the network about this node:
 * - announces JOIN, then heartbeats (with neighbours), on the membership topic; and LEAVE when it goes;
 * - registers with its bootstraps, and answers registrations itself (Registrations);
 * - pings its peers (Liveness); a peer found unreachable is marked dead here and reported to the bootstraps,
 *   which check for themselves before they announce it DEAD to everyone;
 * - obeys a shutdown order signed by an operator, and rejects (and logs) any other.
 */
export class Membership extends TypedEventEmitter<MembershipEvents> {
  readonly topic: string
  /** Announcements refused: malformed, or not allowed from their sender (a forged DEAD or shutdown). */
  rejected = 0
  /** The protocols membership speaks besides its topic. */
  readonly protocols: MembershipInit['protocols']
  private readonly init: MembershipInit
  private readonly liveness: Liveness
  /** @internal The registry protocol, both sides. */
  readonly registrations: Registrations
  /** What the validator read of each accepted message, so that the handler does not read it again. */
  private readonly validated = new WeakMap<Message, ReadAnnouncement>()
  private nonce: Uint8Array = new Uint8Array(NONCE_BYTES)
  /** A bootstrap's certificate of this node's name for this start, carried in its announcements. */
  private certificate?: Certificate
  private seq = 0
  private joined = false
  private running = false
  /** When this node last announced itself early (see onSignOfLife). */
  private lastEarlyHeartbeat = 0
  /** When the last JOIN or heartbeat went out. */
  private lastAnnouncedAt = 0
  private heartbeatTimer?: NodeJS.Timeout
  private sweepTimer?: NodeJS.Timeout

  constructor (init: MembershipInit) {
    super()
    this.init = init
    this.protocols = init.protocols
    this.topic = membershipTopic(init.protocolPrefix)
    this.registrations = new Registrations({
      libp2p: init.libp2p,
      registry: init.protocols.registry,
      members: init.members,
      bootstraps: init.bootstraps,
      describeSelf: init.describeSelf,
      nonce: () => this.nonce,
      requestTimeout: init.requestTimeout,
      remember: (peer, multiaddrs) => { this.remember(peer, multiaddrs) },
      check: async (peer) => this.liveness.check(peer),
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
      onCertified: (issuer, signature) => { this.certificate ??= { issuer, signature } },
      log: init.log
    })
    this.liveness = new Liveness({
      libp2p: init.libp2p,
      members: init.members,
      pingInterval: init.pingInterval,
      watched: () => this.watched(),
      onUnreachable: (peer, why) => { this.declareDead(peer, why) },
      log: init.log
    })
    this.onMessage = this.onMessage.bind(this)
    this.validate = this.validate.bind(this)
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
    const { libp2p } = this.init
    const pubsub = libp2p.services.pubsub
    this.running = true
    this.nonce = randomBytes(NONCE_BYTES)
    this.seq = 0
    this.joined = false
    this.certificate = undefined
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.addEventListener('gossipsub:message', this.onMessage)
    pubsub.subscribe(this.topic)
    this.registrations.start()
    this.liveness.start()
  }

  /**
   * Starts announcing this node: JOIN, then heartbeats. Called once its bootstraps have accepted it (and certified
   * it); a bootstrap certifies itself.
   */
  async join (): Promise<void> {
    // a bootstrap given other bootstraps carries their certificate, which more nodes trust than its own
    if (this.init.role === 'bootstrap' && this.certificate == null) {
      const { libp2p, privateKey, protocolPrefix } = this.init
      const signature = await issueCertificate(privateKey, protocolPrefix, libp2p.peerId, this.init.describeSelf().name, this.nonce)
      this.certificate = { issuer: libp2p.peerId, signature }
    }
    this.scheduleHeartbeat(0)
    this.sweepTimer = setInterval(() => { this.sweep() }, Math.max(SWEEP_INTERVAL, this.init.heartbeatInterval / 10))
  }

  stop (): void {
    this.running = false
    const { libp2p } = this.init
    libp2p.services.pubsub.removeEventListener('gossipsub:message', this.onMessage)
    this.registrations.stop()
    this.liveness.stop()
    clearTimeout(this.heartbeatTimer)
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

  /** Whether `peerId` may order a network shutdown. */
  isOperator (peerId: PeerId): boolean {
    return this.init.operators.has(peerId.toString())
  }

  /**
   * Tells the network this node is going: a LEAVE announcement, then at once a goodbye to every connected peer
   * and a deregistration at every connected bootstrap, each capped at GOODBYE_TIMEOUT. Resolves when all are done.
   */
  async leave (reason: GoodbyeReason, message: string): Promise<void> {
    this.liveness.stop() // peers that go now are going with us, not dying
    clearTimeout(this.heartbeatTimer)
    await this.announce('leave', { reason: message })
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
    if (!this.isOperator(self)) {
      throw new NotOperatorError(self.toString())
    }
    await this.announce('shutdown', { reason })
  }

  /**
   * A member deregistered. A bootstrap tells everyone: the member's own LEAVE reaches only the peers it is
   * connected to, and a node that leaves right after joining may be connected to the bootstrap alone.
   */
  private onDeregistered (peer: PeerId): void {
    const member = this.init.members.get(peer)
    this.onGoodbye(peer, 'leaving', 'deregistered')
    if (this.init.role === 'bootstrap' && member != null) {
      void this.announceGone('left', member)
    }
  }

  /** A peer said goodbye: it left, and is not to be redialed. */
  onGoodbye (peer: PeerId, reason: GoodbyeReason, message: string): void {
    if (this.init.members.markLeft(peer) != null) {
      this.init.log('%p left (%s%s)', peer, reason, message === '' ? '' : `: ${message}`)
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
      void this.announceGone('dead', member)
    } else {
      this.registrations.reportDead(peer)
    }
  }

  /** Connected peers, mesh peers first, and how many of them are in the mesh. */
  private neighbours (): { peers: PeerId[], mesh: number } {
    const inMesh = new Set(this.init.libp2p.services.pubsub.getMeshPeers(this.init.broadcastTopic))
    const connected = this.init.libp2p.getPeers()
    const mesh = connected.filter(peer => inMesh.has(peer.toString()))
    const others = connected.filter(peer => !inMesh.has(peer.toString()))
    const peers = [...mesh, ...others].slice(0, MAX_NEIGHBOURS)
    return { peers, mesh: Math.min(mesh.length, peers.length) }
  }

  private async announce (kind: AnnouncementKind, extra: Partial<Announcement> = {}): Promise<void> {
    const self = this.init.describeSelf()
    const { libp2p } = this.init
    const withNeighbours = kind === 'join' || kind === 'heartbeat'
    const neighbours = withNeighbours ? this.neighbours() : { peers: [], mesh: 0 }
    const aboutSelf = withNeighbours || kind === 'leave'
    const message: Announcement = {
      kind: KIND_TO_WIRE[kind],
      name: self.name,
      role: roleToWire<AnnouncementRole>(self.role),
      addresses: self.multiaddrs.slice(0, MAX_ADDRESSES).map(ma => ma.bytes),
      nonce: this.nonce,
      seq: ++this.seq,
      sentAt: Date.now(),
      intervalMs: this.heartbeatInterval(),
      neighbours: neighbours.peers.map(peerIdBytes),
      meshNeighbours: neighbours.mesh,
      ...(aboutSelf && this.certificate != null
        ? { certificate: this.certificate.signature, certifiedBy: peerIdBytes(this.certificate.issuer) }
        : {}),
      ...extra
    }
    try {
      await libp2p.services.pubsub.publish(this.topic, Announcement.encode(message))
    } catch (err: any) {
      this.init.log('announcing %s failed: %s', kind, err.message)
    }
  }

  /** A bootstrap's notice that `member` (that start of it) is dead, or has left. */
  private async announceGone (kind: 'dead' | 'left', member: Member): Promise<void> {
    await this.announce(kind, { subject: peerIdBytes(member.peerId), subjectNonce: member.nonce === '' ? undefined : fromHex(member.nonce, 'base16') })
  }

  /** Puts a member's addresses in the peer store, so that it can be dialed by peer id (once per start of it). */
  private remember (peer: PeerId, multiaddrs: Multiaddr[]): void {
    this.init.libp2p.peerStore.merge(peer, { multiaddrs }).catch(err => {
      this.init.log('storing the addresses of %p failed: %s', peer, err.message)
    })
  }

  /** The peers Liveness pings: for a peer node, its mesh (on either topic) and its bootstraps; for a bootstrap, all. */
  private watched (): Set<string> | undefined {
    if (this.init.role === 'bootstrap') {
      return undefined
    }
    const pubsub = this.init.libp2p.services.pubsub
    return new Set([...pubsub.getMeshPeers(this.topic), ...pubsub.getMeshPeers(this.init.broadcastTopic), ...this.registrations.bootstrapIds])
  }

  /** The base interval, stretched in big networks so that heartbeat traffic stays about constant. */
  private heartbeatInterval (): number {
    return stretchedInterval(this.init.heartbeatInterval, this.init.members.live().length)
  }

  private scheduleHeartbeat (delay: number, early = false): void {
    clearTimeout(this.heartbeatTimer)
    this.heartbeatTimer = setTimeout(() => { this.heartbeat(early) }, delay)
  }

  /**
   * JOIN once the node has a topic peer to hear it, then a heartbeat every interval, with jitter. A JOIN that only a
   * bootstrap heard still reaches everyone: bootstraps stay out of the mesh, but gossip what they hear (IHAVE) to a
   * quarter of their peers at each gossipsub heartbeat, and those pass it on through the mesh. Saying it again once a
   * peer node subscribes (as this node once did) made every join cost two floods. The interval is the one for the
   * view's size when the timer fires: a node JOINs knowing few members, and timed by the view it had then, its
   * first heartbeat came at a small network's pace (in a swarm of 700 joining, as many heartbeats as JOINs).
   */
  private heartbeat (early = false): void {
    if (!this.running) {
      return
    }
    if (!this.joined && this.init.libp2p.services.pubsub.getSubscribers(this.topic).length === 0) {
      this.scheduleHeartbeat(JOIN_RETRY)
      return
    }
    const interval = this.heartbeatInterval()
    const elapsed = Date.now() - this.lastAnnouncedAt
    if (this.joined && !early && elapsed < 0.8 * interval) {
      // jitter() is at least 0.8 times its argument, so this waits, and then the heartbeat is due
      this.scheduleHeartbeat(jitter(interval) - elapsed)
      return
    }
    void this.announce(this.joined ? 'heartbeat' : 'join')
    this.joined = true
    this.lastAnnouncedAt = Date.now()
    this.scheduleHeartbeat(jitter(interval))
  }

  /**
   * A member this node held dead shows it was alive all along: it passed on a message, or announced itself under
   * the same start (nonce) as before. Then the network was split, or this node cut off, and the other side most
   * likely holds this node dead too: a heartbeat now, not at the next interval (tens of seconds in a bigger
   * network), brings it back in their views, and theirs, sent for the same reason, bring them back here. A
   * restarted member (a new start) is no such sign. At most one per heartbeat interval, stretched by the network's
   * size as the heartbeats themselves are: it only brings the next heartbeat forward, so heartbeats stay within their
   * budget. (Once per base interval, a swarm of hundreds on a loaded machine, full of false verdicts, flooded itself
   * with them.)
   */
  private onSignOfLife (peer: PeerId): void {
    const now = Date.now()
    if (!this.joined || now - this.lastEarlyHeartbeat < this.heartbeatInterval()) {
      return
    }
    this.lastEarlyHeartbeat = now
    this.init.log('%p, held dead, was alive all along: announcing this node now', peer)
    this.scheduleHeartbeat(0, true)
  }

  private sweep (): void {
    this.init.members.sweep()
    this.registrations.sweep()
  }

  /**
   * gossipsub topic validator. A malformed announcement is rejected, so the peers that passed it on pay for it in
   * their score: no honest node forwards one. One this node may not act on (over its origin's rate limit, from a
   * sender no bootstrap vouches for, a DEAD or shutdown from someone it does not trust) is ignored instead: those
   * depend on each node's view, configuration and budget, and an honest forwarder must not pay for them. Neither is
   * delivered here, nor passed on.
   */
  private async validate (source: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const fromOrigin = msg.type === 'signed' && source.equals(msg.from)
    const read = readAnnouncement(msg)
    if (typeof read === 'string' && fromOrigin) {
      this.init.guard.strike(source, STRIKES.malformed, `malformed announcement: ${read}`)
    }
    let refusal: string | undefined
    if (typeof read === 'string') {
      refusal = read
    } else if (!this.isTrusted(read.from) && !this.init.guard.allow(read.from, 'announcementsPerSecond')) {
      refusal = 'its sender is over its announcement rate limit, or banned'
    } else {
      refusal = this.refusal(read) ?? await this.unvouched(read)
      if (refusal == null) {
        this.validated.set(msg, read)
        return TopicValidatorResult.Accept
      }
    }
    this.rejected++
    const from = msg.type === 'signed' ? msg.from.toString() : 'an unsigned sender'
    if (typeof read !== 'string' && read.kind === 'shutdown') {
      this.init.log.error('rejected a shutdown order from %s: %s', from, refusal)
    } else {
      this.init.log('rejected an announcement from %s: %s', from, refusal)
    }
    return typeof read === 'string' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
  }

  /**
   * This node's bootstraps and the operators: they may declare members gone, their certificates vouch for names, and
   * their announcements are not rate-limited (DEAD notices come in bursts, one for every node of a crashed host).
   */
  private isTrusted (peer: PeerId): boolean {
    return this.registrations.isBootstrap(peer) || this.isOperator(peer)
  }

  /**
   * Why an announcement that decoded must still be refused, or undefined. One older than gossipsub's seen TTL is
   * refused, and so not passed on: gossipsub has forgotten its id by then, and a copy coming back (from a peer's
   * message cache, by gossip) would otherwise be taken for new and flood the network again, and again. With
   * gossipsub's heartbeat slowed down for a big swarm, every JOIN and heartbeat went round like that, minutes after
   * it was sent, and an idle node cost six times the CPU. A late first copy, younger than that, is still taken.
   */
  private refusal (read: ReadAnnouncement): string | undefined {
    const age = Date.now() - read.sentAt
    if (Math.abs(age) > this.init.maxAnnouncementAge) {
      return `sent ${Math.round(age / 1000)} s ago, older than gossipsub remembers (${this.init.maxAnnouncementAge / 1000} s)`
    }
    if (read.kind === 'shutdown') {
      if (!this.isOperator(read.from)) {
        return 'its sender is not an operator'
      }
      if (Math.abs(Date.now() - read.sentAt) > SHUTDOWN_WINDOW_MS) {
        return 'it is too old (or from the future)'
      }
    }
    if ((read.kind === 'dead' || read.kind === 'left') && !this.isTrusted(read.from)) {
      return 'only bootstraps may declare a member gone'
    }
    return undefined
  }

  /**
   * Why a member's announcement about itself must be refused: no bootstrap vouches for its sender under the name it
   * gives. Checked once per start of each member: by a certificate from a node this one trusts, or else by asking
   * the bootstraps (the seeds' fallback). Undefined if it is vouched for, or not about its sender.
   */
  private async unvouched (read: ReadAnnouncement): Promise<string | undefined> {
    if (read.kind !== 'join' && read.kind !== 'heartbeat' && read.kind !== 'leave') {
      return undefined
    }
    const { members, protocolPrefix } = this.init
    const member = members.get(read.from)
    if (member != null && member.verifiedNonce === read.nonce) {
      return member.name === read.name ? undefined : `it is registered as "${member.name}" but announced itself as "${read.name}"`
    }
    const holder = members.findByName(read.name)
    if (holder != null && !holder.peerId.equals(read.from) && isVerified(holder)) {
      return `the name "${read.name}" is held by ${holder.peerId.toString()}`
    }
    const { certificate } = read
    if (certificate != null && this.trustsIssuer(certificate.issuer, read.from) &&
      await verifyCertificate(certificate.issuer, certificate.signature, protocolPrefix, read.from, read.name, fromHex(read.nonce, 'base16'))) {
      return undefined
    }
    const name = await this.registrations.lookUp(read.from)
    if (name === read.name) {
      return undefined
    }
    return name == null ? 'its sender is not a registered member' : `its sender is registered as "${name}" but announced itself as "${read.name}"`
  }

  /**
   * Whether the certificate `member` was heard of with (passed on by peer exchange, unchecked) vouches for its name
   * for its current start, by an issuer this node trusts: if so it is verified, as by its own announcement. A
   * certificate that fails is dropped, so it is checked once.
   */
  async checkCertificate (member: Member): Promise<boolean> {
    const { certificate, nonce, name, peerId } = member
    if (certificate == null || nonce === '' || !this.trustsIssuer(certificate.issuer, peerId)) {
      return false
    }
    if (!await verifyCertificate(certificate.issuer, certificate.signature, this.init.protocolPrefix, peerId, name, fromHex(nonce, 'base16'))) {
      if (member.certificate === certificate) {
        member.certificate = undefined
      }
      return false
    }
    this.init.members.markVerified(peerId, nonce)
    return isVerified(member) && member.name === name
  }

  /**
   * Whose certificates this node believes: its bootstraps, the operators, itself, and any member whose own name a
   * trusted node vouched for (a node may join through any member). Registration is open, so a member that admits
   * strangers can do no more than the strangers could by registering with a bootstrap themselves; it cannot give
   * them a name another member holds.
   */
  private trustsIssuer (issuer: PeerId, sender: PeerId): boolean {
    if (this.isTrusted(issuer) || issuer.equals(this.init.libp2p.peerId)) {
      return true
    }
    if (issuer.equals(sender)) {
      return false
    }
    const member = this.init.members.get(issuer)
    return member != null && !isGone(member) && isVerified(member)
  }

  private onMessage (evt: CustomEvent<GossipsubMessage>): void {
    const { msg, propagationSource } = evt.detail
    if (this.init.members.get(propagationSource)?.state === 'dead') {
      this.onSignOfLife(propagationSource)
    }
    if (msg.topic !== this.topic) {
      return
    }
    const read = this.validated.get(msg)
    if (read == null) {
      return
    }
    const { members } = this.init
    switch (read.kind) {
      case 'join':
      case 'heartbeat': {
        const { nonce, state } = members.get(read.from) ?? {}
        if (members.selfReport({ ...read, peerId: read.from }) && nonce !== read.nonce) {
          this.remember(read.from, read.multiaddrs)
        }
        members.markVerified(read.from, read.nonce, read.certificate) // the validator found it vouched for
        if (state === 'dead' && nonce === read.nonce && members.get(read.from)?.state === 'alive') {
          this.onSignOfLife(read.from)
        }
        break
      }
      case 'leave':
        if (members.markLeft(read.from, read.seq, Date.now(), read.nonce) != null) {
          this.init.log('%p (%s) left: %s', read.from, read.name, read.reason)
        }
        break
      case 'dead':
        this.onDeadNotice(read)
        break
      case 'left':
        if (read.subject != null && !read.subject.equals(this.init.libp2p.peerId)) {
          this.init.members.markLeft(read.subject, 0, Date.now(), read.subjectNonce)
        }
        break
      case 'shutdown':
        this.init.log('%p ordered a network shutdown: %s', read.from, read.reason)
        this.safeDispatchEvent('shutdown', { detail: { from: read.from, reason: read.reason } })
        break
    }
  }

  private onDeadNotice (read: ReadAnnouncement): void {
    const subject = read.subject
    if (subject == null) {
      return
    }
    if (subject.equals(this.init.libp2p.peerId)) {
      this.init.log('%p declared this node dead: announcing that it is alive', read.from)
      void this.announce('heartbeat')
      return
    }
    // a peer that answered our own ping lately is alive for us, whatever the notice says
    if (Date.now() - this.liveness.lastAnswer(subject) < 2 * this.init.pingInterval) {
      return
    }
    this.init.members.markDead(subject, read.subjectNonce, Date.now(), read.sentAt)
  }
}
