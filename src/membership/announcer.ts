import { randomBytes } from '@libp2p/crypto'
import { TopicValidatorResult } from '@libp2p/interface'
import { TypedEventEmitter } from 'main-event'
import { fromString as fromHex } from 'uint8arrays/from-string'
import { STRIKES, type PeerGuard } from '../protection/peer-guard.js'
import { jitter } from '../random.js'
import { issueCertificate, verifyCertificate, type Certificate } from '../verification/certificate.js'
import { peerIdBytes, roleToWire } from '../wire/fields.js'
import { Announcement, KIND_TO_WIRE, MAX_ADDRESSES, MAX_NEIGHBOURS, NONCE_BYTES, SHUTDOWN_WINDOW_MS, membershipTopic, readAnnouncement, type AnnouncementKind, type ReadAnnouncement } from './announcements.js'
import { isVerified, stretchedInterval, type Member, type MemberList } from './members.js'
import { Role as AnnouncementRole } from './pb/announcement.js'
import { messageOf } from '../errors.js'
import type { Dissemination, DisseminationEvents } from './seams.js'
import type { Role } from '../config.js'
import type { Trust } from '../verification/trust.js'
import type { GossipSub, GossipsubMessage } from '@chainsafe/libp2p-gossipsub'
import type { Libp2p, Logger, Message, PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Until its JOIN went out, a node looks for topic peers this often. */
const JOIN_RETRY = 250

export interface AnnouncerInit {
  libp2p: Libp2p<{ pubsub: GossipSub }>
  members: MemberList
  trust: Trust
  protocolPrefix: string
  role: Role
  describeSelf: () => { name: string, role: Role, multiaddrs: Multiaddr[] }
  /** The broadcast topic: heartbeats say which neighbours are in its mesh, for the network graph. */
  broadcastTopic: string
  heartbeatInterval: number
  pingInterval: number
  /**
   * Announcements sent longer ago than this (ms; or this far in the future) are refused: gossipsub's seen TTL, after
   * which a copy coming round again would be taken for new.
   */
  maxAnnouncementAge: number
  /** Limits each member's announcements, and counts malformed ones against the peer that sent them. */
  guard: PeerGuard
  /** This node's key: a bootstrap certifies itself. */
  privateKey: PrivateKey
  /** Asks the bootstraps under which name `peer` is registered (for a sender no certificate vouches for). */
  lookUp: (peer: PeerId) => Promise<string | undefined>
  /** When `peer` last answered this node's ping: a DEAD notice does not outweigh a fresh answer. */
  lastAnswer: (peer: PeerId) => number
  /** Puts a member's addresses in the peer store. */
  remember: (peer: PeerId, multiaddrs: Multiaddr[]) => void
  log: Logger
}

/**
 * Membership news as signed announcements on a gossipsub topic: JOIN, then heartbeats (with neighbours), and LEAVE
 * when the node goes; a bootstrap's DEAD and LEFT notices about others; an operator's shutdown order. Each is
 * validated (sender vouched for, within gossipsub's seen TTL, allowed to say it) before the view takes it.
 */
export class Announcer extends TypedEventEmitter<DisseminationEvents> implements Dissemination {
  readonly topic: string
  /** Announcements refused: malformed, or not allowed from their sender (a forged DEAD or shutdown). */
  rejected = 0
  private readonly init: AnnouncerInit
  /** What the validator read of each accepted message, so that the handler does not read it again. */
  private readonly validated = new WeakMap<Message, ReadAnnouncement>()
  private currentNonce: Uint8Array = new Uint8Array(NONCE_BYTES)
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

  constructor (init: AnnouncerInit) {
    super()
    this.init = init
    this.topic = membershipTopic(init.protocolPrefix)
    this.onMessage = this.onMessage.bind(this)
    this.validate = this.validate.bind(this)
  }

  /** This start's nonce: it tells this start of the node from earlier ones. */
  get nonce (): Uint8Array {
    return this.currentNonce
  }

  start (): void {
    const pubsub = this.init.libp2p.services.pubsub
    this.running = true
    this.currentNonce = randomBytes(NONCE_BYTES)
    this.seq = 0
    this.joined = false
    this.certificate = undefined
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.addEventListener('gossipsub:message', this.onMessage)
    pubsub.subscribe(this.topic)
  }

  /** A bootstrap accepted this node and certified its name for this start: the first such certificate is carried. */
  certified (issuer: PeerId, signature: Uint8Array): void {
    this.certificate ??= { issuer, signature }
  }

  /** Starts announcing this node: JOIN, then heartbeats. A bootstrap certifies itself first. */
  async join (): Promise<void> {
    // a bootstrap given other bootstraps carries their certificate, which more nodes trust than its own
    if (this.init.role === 'bootstrap' && this.certificate == null) {
      const { libp2p, privateKey, protocolPrefix } = this.init
      const signature = await issueCertificate(privateKey, protocolPrefix, libp2p.peerId, this.init.describeSelf().name, this.currentNonce)
      this.certificate = { issuer: libp2p.peerId, signature }
    }
    this.scheduleHeartbeat(0)
  }

  stop (): void {
    this.running = false
    this.init.libp2p.services.pubsub.removeEventListener('gossipsub:message', this.onMessage)
    clearTimeout(this.heartbeatTimer)
  }

  /** Announces that this node is leaving; no heartbeat follows. */
  async leave (reason: string): Promise<void> {
    clearTimeout(this.heartbeatTimer)
    await this.announce('leave', { reason })
  }

  /** Tells every node that `member` (that start of it) is dead, or has left: a bootstrap's notice. */
  async memberGone (kind: 'dead' | 'left', member: Member): Promise<void> {
    await this.announceGone(kind, member)
  }

  /** Orders every node of the network to leave (the caller checked that this node is an operator). */
  async orderShutdown (reason: string): Promise<void> {
    await this.announce('shutdown', { reason })
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
      nonce: this.currentNonce,
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
    } catch (err) {
      this.init.log('announcing %s failed: %s', kind, messageOf(err))
    }
  }

  /** A bootstrap's notice that `member` (that start of it) is dead, or has left. */
  private async announceGone (kind: 'dead' | 'left', member: Member): Promise<void> {
    await this.announce(kind, { subject: peerIdBytes(member.peerId), subjectNonce: member.nonce === '' ? undefined : fromHex(member.nonce, 'base16') })
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
   * quarter of their peers at each gossipsub heartbeat, and those pass it on through the mesh; so it is not said again
   * when a peer node subscribes, which would make every join cost two floods (docs/decisions/one-flood-per-join.md).
   * The interval is the one for the view's size when the timer fires: a node JOINs knowing few members, and timed by
   * the view it had then, its first heartbeat would come at a small network's pace
   * (docs/decisions/peer-exchange-pacing.md).
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
   * budget, even when a loaded machine makes many false verdicts (docs/decisions/libp2p-deadlines.md).
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
    } else if (!this.init.trust.isTrusted(read.from) && !this.init.guard.allow(read.from, 'announcementsPerSecond')) {
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
   * Why an announcement that decoded must still be refused, or undefined. One older than gossipsub's seen TTL is
   * refused, and so not passed on: gossipsub has forgotten its id by then, and a copy coming back (from a peer's
   * message cache, by gossip) would otherwise be taken for new and flood the network again, and again; a gossipsub
   * heartbeat slowed down for a big swarm keeps copies cached after their ids are forgotten
   * (docs/decisions/stale-announcements.md). A late first copy, younger than that, is still taken.
   */
  private refusal (read: ReadAnnouncement): string | undefined {
    const age = Date.now() - read.sentAt
    if (Math.abs(age) > this.init.maxAnnouncementAge) {
      return `sent ${Math.round(age / 1000)} s ago, older than gossipsub remembers (${this.init.maxAnnouncementAge / 1000} s)`
    }
    if (read.kind === 'shutdown') {
      if (!this.init.trust.isOperator(read.from)) {
        return 'its sender is not an operator'
      }
      if (Math.abs(Date.now() - read.sentAt) > SHUTDOWN_WINDOW_MS) {
        return 'it is too old (or from the future)'
      }
    }
    if ((read.kind === 'dead' || read.kind === 'left') && !this.init.trust.isTrusted(read.from)) {
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
    if (certificate != null && this.init.trust.trustsIssuer(certificate.issuer, read.from) &&
      await verifyCertificate(certificate.issuer, certificate.signature, protocolPrefix, read.from, read.name, fromHex(read.nonce, 'base16'))) {
      return undefined
    }
    const name = await this.init.lookUp(read.from)
    if (name === read.name) {
      return undefined
    }
    return name == null ? 'its sender is not a registered member' : `its sender is registered as "${name}" but announced itself as "${read.name}"`
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
          this.init.remember(read.from, read.multiaddrs)
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
    if (Date.now() - this.init.lastAnswer(subject) < 2 * this.init.pingInterval) {
      return
    }
    this.init.members.markDead(subject, read.subjectNonce, Date.now(), read.sentAt)
  }
}
