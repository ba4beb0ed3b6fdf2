import { TypedEventEmitter } from 'main-event'
import { shuffle } from '../random.js'
import { MAX_DECLARED_INTERVAL } from './announcements.js'
import type { Role } from '../config.js'
import type { Certificate } from '../verification/certificate.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export type MemberState = 'alive' | 'suspect' | 'dead' | 'left'

/** A node of the network as this node sees it. */
export interface Member {
  peerId: PeerId
  name: string
  role: Role
  multiaddrs: Multiaddr[]
  /** When this node first heard of it (ms since the epoch). */
  firstSeen: number
  /** The latest first-hand news of it: its own announcement, a ping, or what a peer that saw it passed on. */
  lastSeen: number
  state: MemberState
  /** When the state last changed. */
  stateSince: number
  /** Peer ids (binary) it was connected to, as of its last heartbeat. */
  neighbours: Uint8Array[]
  /** The first this many neighbours are in its broadcast mesh. */
  meshNeighbours: number
  /** Its current start's nonce (hex); empty until its own announcements arrive. */
  nonce: string
  /** The sequence number of its latest announcement of that start. */
  seq: number
  /** Sender clock of its latest announcement: a different nonce is a restart only if it is newer. */
  sentAt: number
  /** The heartbeat interval it declared, which it is timed out by (see intervalOf); 0 until this node hears it. */
  heartbeatInterval: number
  /** The start (nonce) whose name a bootstrap vouched for, by certificate, registration or lookup; '' if none. */
  verifiedNonce: string
  /**
   * A certificate of its name for its current start (see verification/certificate.ts), passed on in peer exchange: from its own
   * announcement or registration, or as a teller gave it, unchecked until its name is needed (see SenderCheck).
   */
  certificate?: Certificate
}

/** A bootstrap's signature of a member's name for one start of it, and who signed it. */
/** What discovery tells of a peer: second-hand, unsigned. */
export interface Hearsay {
  peerId: PeerId
  name: string
  role: Role
  multiaddrs: Multiaddr[]
  lastSeen: number
  /** As the teller sees it (default alive), with the start of it the teller knows. */
  state?: MemberState
  nonce?: string
  seq?: number
  /** The heartbeat interval it declared, if the teller heard it. */
  heartbeatInterval?: number
  /** The certificate of its name for that start, if the teller has one. */
  certificate?: Certificate
}

/** What a member says of itself in a signed announcement, or when it registers. */
export interface SelfReport extends Omit<Hearsay, 'lastSeen'> {
  nonce: string
  seq: number
  sentAt: number
  heartbeatInterval: number
  neighbours?: Uint8Array[]
  meshNeighbours?: number
}

/**
 * Members per heartbeat interval: past this many, the interval stretches so that the whole network sends about one
 * heartbeat a second, whatever its size. Each one reaches every node about four times (a copy from each mesh peer), so
 * this budget, not the network's size, sets what heartbeats cost each node, and how many of them broadcasts meet on
 * their way (docs/decisions/heartbeat-budget.md). Pings and bootstraps, not heartbeats, find dead members within
 * seconds; a silent member nobody pings is timed out after 6 intervals (10 minutes at 100 members).
 */
const MEMBERS_PER_INTERVAL = 5

/**
 * The heartbeat interval of a member that knows `live` other members: the base interval, stretched in big networks so
 * that heartbeat traffic stays about constant (at 100 members, one heartbeat every 20 base intervals).
 */
export function stretchedInterval (base: number, live: number): number {
  return Math.min(base * Math.max(1, Math.ceil(live / MEMBERS_PER_INTERVAL)), MAX_DECLARED_INTERVAL)
}

export interface MembershipTiming {
  /** The base heartbeat interval: stretched by the network's size, it times out members whose own is not known. */
  heartbeatInterval: number
  /** Missed heartbeats before a member is suspect, then dead. */
  suspectAfter: number
  deadAfter: number
}

export interface MemberEvents {
  'member:join': CustomEvent<Member>
  'member:suspect': CustomEvent<Member>
  'member:dead': CustomEvent<Member>
  'member:leave': CustomEvent<Member>
}

/** The most members the view holds; beyond it the stalest entry makes room and counts are no longer exact. */
export const MAX_MEMBERS = 10_000
/** Dead and left members stay listed this many dead-timeouts, so that views show them, then are forgotten. */
const TOMBSTONE_TIMEOUTS = 2
/** Gone members a discovery answer tells of, besides the live ones. */
export const TOMBSTONES_PER_SAMPLE = 16

/**
 * The membership view: every node this node knows of, with its state. Discovery feeds it hearsay, which can add
 * and refresh members but never revive a dead or departed one; only a member's own signed announcement can.
 * States follow from time: a member not heard of for `suspectAfter` heartbeats is suspect, after `deadAfter` dead.
 */
export class MemberList extends TypedEventEmitter<MemberEvents> {
  private readonly members = new Map<string, Member>()
  /**
   * The members (keys) that go by each name. Every announcement of a start not yet vouched for looks its name up, and
   * a scan of the whole view for each would cost a big swarm much of its CPU (docs/decisions/members-by-name.md).
   */
  private readonly byName = new Map<string, Set<string>>()
  private readonly timing: MembershipTiming
  private readonly self: PeerId
  /** stretchedInterval() for the view's size at the last sweep. */
  private expectedInterval: number
  private overflowed = false
  /** The view's keys (peer id strings) in order, for paging; dropped when a member is added or forgotten. */
  private pageOrder?: string[]

  constructor (self: PeerId, timing: MembershipTiming) {
    super()
    this.self = self
    this.timing = timing
    this.expectedInterval = timing.heartbeatInterval
  }

  /**
   * Records discovery's news of a peer. Returns true if the peer is new to the view. A peer the teller knows to be
   * gone is recorded as gone, quietly, when it is new here: a newcomer then ignores the dead member's last
   * announcements, which gossip may still be carrying. Hearsay never marks a known member gone.
   */
  hearsay (peer: Hearsay, now = Date.now()): boolean {
    if (peer.peerId.equals(this.self)) {
      return false
    }
    const member = this.members.get(peer.peerId.toString())
    const lastSeen = Math.min(peer.lastSeen, now)
    const gone = peer.state === 'dead' || peer.state === 'left'
    if (member == null && gone) {
      this.add({ ...peer, lastSeen }, now, peer.state)
      return false
    }
    if (now - lastSeen > this.deadTimeout(peer.heartbeatInterval ?? member?.heartbeatInterval ?? 0)) {
      return false
    }
    if (member == null) {
      this.add({ ...peer, lastSeen }, now)
      return true
    }
    if (isGone(member) || lastSeen <= member.lastSeen) {
      return false
    }
    member.lastSeen = lastSeen
    if (member.heartbeatInterval === 0) {
      member.heartbeatInterval = peer.heartbeatInterval ?? 0
    }
    if (member.nonce === '') {
      // nothing signed from it yet: what discovery says is all there is
      this.rename(member, peer.name)
      Object.assign(member, { role: peer.role, multiaddrs: peer.multiaddrs })
    }
    if (member.certificate == null && peer.certificate != null && peer.nonce === member.nonce && peer.name === member.name) {
      member.certificate = peer.certificate
    }
    this.setState(member, 'alive', now)
    return false
  }

  /**
   * Records a member's own signed JOIN or heartbeat, or its registration (`live`: it comes over an open, authenticated
   * connection, so it is current whatever its clock says). A new nonce sent later than the last one is a restart;
   * an older or repeated one is ignored. Returns false when the report was stale.
   */
  selfReport (report: SelfReport, now = Date.now(), live = false): boolean {
    if (report.peerId.equals(this.self)) {
      return false
    }
    let member = this.members.get(report.peerId.toString())
    if (member == null) {
      member = this.add({ ...report, lastSeen: now }, now)
    } else if (!live && (report.nonce === member.nonce ? report.seq <= member.seq : report.sentAt < member.sentAt)) {
      return false
    } else if (!live && isGone(member) && (report.nonce === member.nonce || member.nonce === '') && report.sentAt <= member.stateSince) {
      // sent before this node found it gone, arriving late by gossip: the same start (or one this node never heard
      // from: it knew the member by discovery only), and no sign of life since
      return false
    }
    const restarted = member.nonce !== '' && member.nonce !== report.nonce
    if (member.nonce !== report.nonce) {
      member.certificate = undefined // it was for another start
    }
    this.rename(member, report.name)
    Object.assign(member, {
      role: report.role,
      multiaddrs: report.multiaddrs,
      lastSeen: now,
      nonce: report.nonce,
      seq: report.seq,
      sentAt: report.sentAt,
      heartbeatInterval: report.heartbeatInterval > 0 ? report.heartbeatInterval : member.heartbeatInterval,
      neighbours: report.neighbours ?? member.neighbours,
      meshNeighbours: report.neighbours != null ? report.meshNeighbours ?? 0 : member.meshNeighbours
    })
    if (restarted && !isGone(member)) {
      this.dispatch('member:join', member) // same peer id, new process: a join of its own
    }
    this.setState(member, 'alive', now)
    return true
  }

  /**
   * A bootstrap vouched for the name of `peerId`'s start `nonce`: its messages need no lookup. With the certificate
   * that showed it, kept to pass on.
   */
  markVerified (peerId: PeerId, nonce: string, certificate?: Certificate): void {
    const member = this.members.get(peerId.toString())
    if (member != null && member.nonce === nonce) {
      member.verifiedNonce = nonce
      member.certificate = certificate ?? member.certificate
    }
  }

  /** First-hand sign of life (a ping answered, a request made). Does not revive a dead or departed member. */
  seen (peerId: PeerId, now = Date.now()): void {
    const member = this.members.get(peerId.toString())
    if (member != null && !isGone(member)) {
      member.lastSeen = now
      this.setState(member, 'alive', now)
    }
  }

  /**
   * A member this node held dead was checked by a bootstrap after this node reported it, and answered: alive again.
   * Without this, a verdict from one failed check (a connection reset on a loaded machine, say) stood until the
   * member's next heartbeat, an hour away in a big swarm. One that left stays gone. Returns true if it changed state.
   */
  revive (peerId: PeerId, now = Date.now()): boolean {
    const member = this.members.get(peerId.toString())
    if (member == null || member.state !== 'dead') {
      return false
    }
    member.lastSeen = now
    this.setState(member, 'alive', now)
    return true
  }

  /**
   * The member left gracefully: it said goodbye, announced LEAVE (`seq`: its heartbeats sent before cannot revive
   * it), or deregistered (`nonce`: only that start of it). Returns the member if it changed state.
   */
  markLeft (peerId: PeerId, seq = 0, now = Date.now(), nonce?: string): Member | undefined {
    const member = this.members.get(peerId.toString())
    if (member == null || member.state === 'left' || isOtherStart(member, nonce)) {
      return undefined
    }
    member.seq = Math.max(member.seq, seq)
    this.setState(member, 'left', now)
    return member
  }

  /**
   * The member was found dead. With `nonce`, only that start of it: a restart already heard of stays alive.
   * Returns the member if it changed state.
   */
  markDead (peerId: PeerId, nonce?: string, now = Date.now(), verdictSentAt?: number): Member | undefined {
    const member = this.members.get(peerId.toString())
    if (member == null || isGone(member) || isOtherStart(member, nonce)) {
      return undefined
    }
    // a verdict sent before the member was last seen alive (its own announcement, an answer, a message it passed
    // on; for one known by discovery, when its teller last saw it) was proven false since: a copy held up by a
    // partition and delivered when it healed, say
    if (verdictSentAt != null && member.lastSeen > verdictSentAt) {
      return undefined
    }
    this.setState(member, 'dead', now)
    return member
  }

  /** Moves members along alive → suspect → dead as their news ages, and forgets old tombstones. */
  sweep (now = Date.now()): void {
    this.expectedInterval = stretchedInterval(this.timing.heartbeatInterval, this.live().length)
    for (const [key, member] of this.members) {
      const silence = now - member.lastSeen
      if (isGone(member)) {
        if (now - member.stateSince > TOMBSTONE_TIMEOUTS * this.deadTimeout(member.heartbeatInterval)) {
          this.forget(key)
        }
      } else if (silence > this.deadTimeout(member.heartbeatInterval)) {
        this.setState(member, 'dead', now)
      } else if (silence > this.intervalOf(member.heartbeatInterval) * this.timing.suspectAfter) {
        this.setState(member, 'suspect', now)
      }
    }
  }

  get (peerId: PeerId | string): Member | undefined {
    return this.members.get(peerId.toString())
  }

  /** Every member, gone ones included, in the order they were first heard of. */
  all (): Member[] {
    return [...this.members.values()]
  }

  /** Members that are alive or suspect. */
  live (): Member[] {
    return this.all().filter(member => !isGone(member))
  }

  /** The live member holding `name`, if any. */
  findByName (name: string): Member | undefined {
    for (const key of this.byName.get(name) ?? []) {
      const member = this.members.get(key)
      if (member != null && !isGone(member)) {
        return member
      }
    }
    return undefined
  }

  /**
   * Up to `limit` members at random, leaving out `exclude`: the most recently gone ones (at most
   * TOMBSTONES_PER_SAMPLE), then live ones.
   */
  sample (limit: number, exclude?: PeerId): Member[] {
    const candidates = this.all().filter(member => exclude == null || !member.peerId.equals(exclude))
    const gone = candidates.filter(isGone).sort((a, b) => b.stateSince - a.stateSince).slice(0, Math.min(TOMBSTONES_PER_SAMPLE, limit))
    return [...gone, ...shuffle(candidates.filter(member => !isGone(member))).slice(0, limit - gone.length)]
  }

  /** Members, gone ones included, in peer id order from `offset`, for paging through all of them. */
  page (offset: number, limit: number): Member[] {
    // sorted once per change of the view, not per page: a bootstrap answers many pages to joining nodes between
    // changes (docs/decisions/peer-exchange-pacing.md)
    this.pageOrder ??= [...this.members.keys()].sort()
    const page: Member[] = []
    for (const key of this.pageOrder.slice(offset, offset + limit)) {
      const member = this.members.get(key)
      if (member != null) page.push(member)
    }
    return page
  }

  /** False once the view has had to drop members for room: counts are then lower bounds. */
  get exact (): boolean {
    return !this.overflowed
  }

  private forget (key: string): void {
    const member = this.members.get(key)
    if (member != null) {
      this.unindexName(member)
    }
    this.members.delete(key)
    this.pageOrder = undefined
  }

  private rename (member: Member, name: string): void {
    if (member.name === name) {
      return
    }
    this.unindexName(member)
    member.name = name
    this.indexName(member)
  }

  private indexName (member: Member): void {
    const keys = this.byName.get(member.name) ?? new Set()
    keys.add(member.peerId.toString())
    this.byName.set(member.name, keys)
  }

  private unindexName (member: Member): void {
    const keys = this.byName.get(member.name)
    keys?.delete(member.peerId.toString())
    if (keys?.size === 0) {
      this.byName.delete(member.name)
    }
  }

  private add (peer: Hearsay, now: number, state: MemberState = 'alive'): Member {
    const member: Member = {
      peerId: peer.peerId,
      name: peer.name,
      role: peer.role,
      multiaddrs: peer.multiaddrs,
      lastSeen: peer.lastSeen,
      firstSeen: now,
      state,
      stateSince: now,
      neighbours: [],
      meshNeighbours: 0,
      nonce: peer.nonce ?? '',
      seq: peer.seq ?? 0,
      sentAt: 0,
      heartbeatInterval: peer.heartbeatInterval ?? 0,
      verifiedNonce: '',
      certificate: peer.nonce != null ? peer.certificate : undefined
    }
    this.members.set(peer.peerId.toString(), member)
    this.indexName(member)
    this.pageOrder = undefined
    if (this.members.size > MAX_MEMBERS) {
      this.overflowed = true
      this.forget(this.stalest())
    }
    if (state === 'alive') {
      this.dispatch('member:join', member)
    }
    return member
  }

  private stalest (): string {
    let stalest: Member | undefined
    for (const member of this.members.values()) {
      if (stalest == null || member.lastSeen < stalest.lastSeen) {
        stalest = member
      }
    }
    return stalest?.peerId.toString() ?? ''
  }

  private setState (member: Member, state: MemberState, now: number): void {
    if (member.state === state) {
      return
    }
    const wasGone = isGone(member)
    member.state = state
    member.stateSince = now
    if (state === 'alive') {
      if (wasGone) {
        this.dispatch('member:join', member) // back after a restart, or after a false verdict
      }
    } else {
      this.dispatch(`member:${state === 'left' ? 'leave' : state}`, member)
    }
  }

  private dispatch (type: keyof MemberEvents, member: Member): void {
    this.safeDispatchEvent(type, { detail: member })
  }

  private deadTimeout (heartbeatInterval: number): number {
    return this.intervalOf(heartbeatInterval) * this.timing.deadAfter
  }

  /**
   * The interval a member is timed out by: the one it declared (0 if unknown), but never less than what a member
   * of a network this size declares. One heard of only second-hand, or by its registration, is timed out at the
   * network's pace: timed out by the base interval, it would look dead long before its first heartbeat, which in a
   * network of 100 comes only every 20 base intervals. And a member declares the interval of the view it has when it
   * announces: one that JOINed knowing few members declared a short one, then caught up and waits the whole
   * network's interval for its next heartbeat; timed out by what it declared, it would look dead to everyone
   * meanwhile (docs/decisions/declared-interval.md).
   */
  private intervalOf (heartbeatInterval: number): number {
    return Math.max(heartbeatInterval, this.expectedInterval)
  }
}

/** Whether `nonce` names a start of the member other than the one this node knows (unknown starts match any). */
function isOtherStart (member: Member, nonce: string | undefined): boolean {
  return nonce != null && member.nonce !== '' && nonce !== member.nonce
}

/** Whether a bootstrap vouched for the name of the member's current start. */
export function isVerified (member: Member): boolean {
  return member.verifiedNonce !== '' && member.verifiedNonce === member.nonce
}

export function isGone (member: { state: MemberState }): boolean {
  return member.state === 'dead' || member.state === 'left'
}
