/**
 * Per-peer protection: rate limits on what a peer may make this node do, and strikes for what it did wrong. A peer
 * over a limit is refused and gets a strike per refusal; malformed frames and invalid messages cost more. Strikes
 * decay, and are the application part of the peer's gossipsub score, so the mesh turns from it as they grow. At
 * BAN_STRIKES (the graylist threshold) the peer is hung up on and kept out for `banDuration`: the connection gater
 * refuses its dials and connections. Memory is bounded: at most MAX_PEERS peers are tracked.
 */
import { TypedEventEmitter } from 'main-event'
import { BoundedMap } from '../bounded-map.js'
import type { ConnectionGater, Logger, PeerId } from '@libp2p/interface'

/** What a peer may do, per second. A burst of twice as many is allowed. */
export interface RateLimits {
  /** Broadcasts originated by one peer (wherever they arrive from). */
  broadcastsPerSecond: number
  /** Direct message frames on one peer's streams. */
  directPerSecond: number
  /** Streams of one of our protocols (status, registry, ...) opened by one peer, per protocol. */
  requestsPerSecond: number
  /** Membership announcements originated by one peer (its bootstraps and the operators are not limited). */
  announcementsPerSecond: number
  /** gossipsub frames carrying subscriptions from one peer. */
  subscriptionsPerSecond: number
}

export type Limit = keyof RateLimits

/**
 * Inbound streams of one protocol libp2p lets one connection open at once, when a guard counts them: libp2p resets
 * streams past its limit without telling us, so it is set high and the guard enforces each protocol's own limit,
 * with strikes for every stream past it.
 */
export const STREAM_BACKSTOP = 64

/** Strikes a peer may collect before it is banned: the same as gossipsub's graylist threshold (-80) in score. */
export const BAN_STRIKES = 80
/** What each kind of misbehaviour costs, in strikes. */
export const STRIKES = {
  /** One request or message over a rate limit. */
  overLimit: 1,
  /** A frame that does not decode, or breaks the protocol. */
  malformed: 10,
  /** A message that no honest node sends or forwards (bad envelope, claiming another's name as its sender). */
  invalid: 10
} as const
/** Strikes halve this often, so an honest peer's rare burst is forgotten. */
const STRIKE_HALF_LIFE_MS = 10_000
const BURST_SECONDS = 2
/** Peers tracked at most; past it, those with nothing against them are forgotten first. */
const MAX_PEERS = 10_000

interface Bucket {
  tokens: number
  at: number
}

interface PeerRecord {
  buckets: Map<string, Bucket>
  /** Inbound streams open now, per protocol. */
  open: Map<string, number>
  strikes: number
  strikesAt: number
}

export interface PeerGuardInit {
  limits: RateLimits
  /** How long a banned peer is kept out, in ms. */
  banDuration: number
  /** Peers never limited nor banned: none by default; a node's own id is always one. */
  exempt?: (peer: PeerId) => boolean
  log: Logger
}

export interface PeerGuardEvents {
  /** A peer was banned: whoever holds its connections hangs up on it. */
  'peer:banned': CustomEvent<{ peerId: PeerId, reason: string }>
}

export class PeerGuard extends TypedEventEmitter<PeerGuardEvents> {
  private readonly init: PeerGuardInit
  private readonly peers = new Map<string, PeerRecord>()
  private readonly bans = new BoundedMap<string, number>(MAX_PEERS)
  private banCount = 0

  constructor (init: PeerGuardInit) {
    super()
    this.init = init
  }

  /**
   * Takes one token of `limit` (its bucket keyed also by `scope`, e.g. a protocol) for `peer`. False, and a
   * strike, if the peer is over the limit or banned: the caller refuses the request.
   */
  allow (peer: PeerId, limit: Limit, scope = '', now = Date.now()): boolean {
    if (this.init.exempt?.(peer) === true) {
      return true
    }
    if (this.isBanned(peer, now)) {
      return false
    }
    const record = this.record(peer, now)
    const rate = this.init.limits[limit]
    const key = scope === '' ? limit : `${limit}:${scope}`
    let bucket = record.buckets.get(key)
    if (bucket == null) {
      bucket = { tokens: rate * BURST_SECONDS, at: now }
      record.buckets.set(key, bucket)
    }
    bucket.tokens = Math.min(rate * BURST_SECONDS, bucket.tokens + (now - bucket.at) * rate / 1000)
    bucket.at = now
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return true
    }
    this.strike(peer, STRIKES.overLimit, `over its ${key} limit (${rate}/s)`, now)
    return false
  }

  /**
   * Admits an inbound stream of `protocol` from `peer`: within its request rate, and at most `maxOpen` of them open
   * at once. Resolves with a release to call when the stream ends, or undefined (and a strike) to refuse it.
   */
  admitStream (peer: PeerId, protocol: string, maxOpen: number, now = Date.now()): (() => void) | undefined {
    if (this.init.exempt?.(peer) === true) {
      return () => {}
    }
    if (!this.allow(peer, 'requestsPerSecond', protocol, now)) {
      return undefined
    }
    const record = this.record(peer, now)
    const open = record.open.get(protocol) ?? 0
    if (open >= maxOpen) {
      this.strike(peer, STRIKES.overLimit, `over ${maxOpen} open ${protocol} streams`, now)
      return undefined
    }
    record.open.set(protocol, open + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (record.open.get(protocol) ?? 1) - 1
      if (left > 0) record.open.set(protocol, left)
      else record.open.delete(protocol)
    }
  }

  /** Records misbehaviour of `peer`: `strikes` of STRIKES, for `reason`. Bans it at BAN_STRIKES. */
  strike (peer: PeerId, strikes: number, reason: string, now = Date.now()): void {
    if (this.init.exempt?.(peer) === true || this.isBanned(peer, now)) {
      return
    }
    const record = this.record(peer, now)
    record.strikes = this.decayed(record, now) + strikes
    record.strikesAt = now
    if (record.strikes >= BAN_STRIKES) {
      this.ban(peer, reason, now)
    }
  }

  /** Hangs up on `peer` and keeps it out for the ban duration. */
  ban (peer: PeerId, reason: string, now = Date.now()): void {
    if (this.init.exempt?.(peer) === true || this.isBanned(peer, now)) {
      return // a banned peer may still be listed until its connections have closed
    }
    const key = peer.toString()
    this.peers.delete(key)
    this.bans.delete(key)
    this.bans.set(key, now + this.init.banDuration) // past MAX_PEERS, the ban that ends first goes
    this.banCount++
    this.init.log.error('banned %p for %d s: %s', peer, Math.round(this.init.banDuration / 1000), reason)
    this.safeDispatchEvent('peer:banned', { detail: { peerId: peer, reason } })
  }

  isBanned (peer: PeerId, now = Date.now()): boolean {
    const key = peer.toString()
    const until = this.bans.get(key)
    if (until == null) {
      return false
    }
    if (until > now) {
      return true
    }
    this.bans.delete(key)
    return false
  }

  /** The application-specific part of a peer's gossipsub score (weight 1): minus its strikes. Keyed by peer id text. */
  score (peer: string, now = Date.now()): number {
    const until = this.bans.get(peer)
    if (until != null && until > now) {
      return -10 * BAN_STRIKES
    }
    const record = this.peers.get(peer)
    return record == null ? 0 : -this.decayed(record, now)
  }

  /** Peers banned now, and bans since start. */
  stats (now = Date.now()): { now: number, total: number } {
    let banned = 0
    for (const until of this.bans.values()) {
      if (until > now) banned++
    }
    return { now: banned, total: this.banCount }
  }

  /** The connection gater that keeps banned peers out, both ways. */
  gater (): ConnectionGater {
    const banned = (peer: PeerId): boolean => this.isBanned(peer)
    return {
      denyDialPeer: banned,
      denyInboundEncryptedConnection: banned,
      denyOutboundEncryptedConnection: banned
    }
  }

  private decayed (record: PeerRecord, now: number): number {
    return record.strikes * Math.pow(0.5, (now - record.strikesAt) / STRIKE_HALF_LIFE_MS)
  }

  private record (peer: PeerId, now: number): PeerRecord {
    const key = peer.toString()
    let record = this.peers.get(key)
    if (record == null) {
      if (this.peers.size >= MAX_PEERS) {
        this.forgetOne(now)
      }
      record = { buckets: new Map(), open: new Map(), strikes: 0, strikesAt: now }
      this.peers.set(key, record)
    }
    return record
  }

  /** Forgets the oldest idle peer with (almost) no strikes, or else the oldest: a flood of new peer ids cannot grow this. */
  private forgetOne (now: number): void {
    for (const [key, record] of this.peers) {
      if (this.decayed(record, now) < 1 && record.open.size === 0) {
        this.peers.delete(key)
        return
      }
    }
    this.peers.delete(this.peers.keys().next().value as string)
  }
}
