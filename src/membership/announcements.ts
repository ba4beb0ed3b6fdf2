/**
 * Membership announcements on gossipsub: the topic, the wire message, and what makes one acceptable. gossipsub
 * signs every message with its sender's key (StrictSign), so `from` is always the authenticated sender.
 */
import { toString as toHex } from 'uint8arrays/to-string'
import { isValidName } from '../config.js'
import { readMultiaddrs, readPeerId, roleFromWire } from '../wire/fields.js'
import { MAX_CERTIFICATE_BYTES, type Certificate } from '../verification/certificate.js'
import { Announcement } from './pb/announcement.js'
import { messageOf } from '../errors.js'
import type { Role } from '../config.js'
import type { Message, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export { Announcement }

export type AnnouncementKind = 'join' | 'heartbeat' | 'leave' | 'dead' | 'left' | 'shutdown'

/** The topic all membership announcements of a network travel on. */
export function membershipTopic (protocolPrefix: string): string {
  return `/${protocolPrefix}/membership/1`
}

export const NONCE_BYTES = 8
/** Addresses and neighbours carried at most: the rest are left out by the sender and refused from others. */
export const MAX_ADDRESSES = 8
export const MAX_NEIGHBOURS = 64
export const MAX_REASON_LENGTH = 200
/** A shutdown order is obeyed only this close to its sender's clock, so a captured one cannot be replayed later. */
export const SHUTDOWN_WINDOW_MS = 60_000
/** Heartbeat intervals a sender may declare: receivers time it out by it, so it is bounded both ways. */
export const MIN_DECLARED_INTERVAL = 100
export const MAX_DECLARED_INTERVAL = 3_600_000

/** An announcement that decoded and passed the checks that need no membership knowledge. */
export interface ReadAnnouncement {
  kind: AnnouncementKind
  from: PeerId
  name: string
  role: Role
  multiaddrs: Multiaddr[]
  nonce: string
  seq: number
  sentAt: number
  heartbeatInterval: number
  /** Peer ids (binary) it is connected to; read into strings only when shown. */
  neighbours: Uint8Array[]
  /** The first this many neighbours are in its broadcast mesh. */
  meshNeighbours: number
  /** DEAD, LEFT: who was found dead or deregistered, and which start of it. */
  subject?: PeerId
  subjectNonce?: string
  reason: string
  /** JOIN, HEARTBEAT, LEAVE: a bootstrap's certificate of the sender's name for this start, and who signed it. */
  certificate?: Certificate
}

const KINDS: Record<string, AnnouncementKind> = {
  [Announcement.Kind.JOIN]: 'join',
  [Announcement.Kind.HEARTBEAT]: 'heartbeat',
  [Announcement.Kind.LEAVE]: 'leave',
  [Announcement.Kind.DEAD]: 'dead',
  [Announcement.Kind.SHUTDOWN]: 'shutdown',
  [Announcement.Kind.LEFT]: 'left'
}

export const KIND_TO_WIRE: Record<AnnouncementKind, Announcement.Kind> = {
  join: Announcement.Kind.JOIN,
  heartbeat: Announcement.Kind.HEARTBEAT,
  leave: Announcement.Kind.LEAVE,
  dead: Announcement.Kind.DEAD,
  shutdown: Announcement.Kind.SHUTDOWN,
  left: Announcement.Kind.LEFT
}

/** The announcement in a gossipsub message, or a reason to reject it. */
export function readAnnouncement (msg: Message): ReadAnnouncement | string {
  if (msg.type !== 'signed') {
    return 'unsigned'
  }
  let wire: Announcement
  try {
    wire = Announcement.decode(msg.data, { limits: { addresses: MAX_ADDRESSES, neighbours: MAX_NEIGHBOURS } })
  } catch (err) {
    return `malformed: ${messageOf(err)}`
  }
  const kind = KINDS[wire.kind]
  if (kind == null) {
    return `unknown kind ${wire.kind}`
  }
  if (!isValidName(wire.name)) {
    return 'invalid name'
  }
  if (wire.nonce.byteLength !== NONCE_BYTES) {
    return 'invalid nonce'
  }
  if (wire.intervalMs < MIN_DECLARED_INTERVAL || wire.intervalMs > MAX_DECLARED_INTERVAL) {
    return `heartbeat interval ${wire.intervalMs} ms out of bounds`
  }
  if ((wire.reason ?? '').length > MAX_REASON_LENGTH) {
    return 'reason too long'
  }
  let certificate: ReadAnnouncement['certificate']
  if (wire.certificate != null || wire.certifiedBy != null) {
    const issuer = readPeerId(wire.certifiedBy)
    if (issuer == null || wire.certificate == null || wire.certificate.byteLength > MAX_CERTIFICATE_BYTES) {
      return 'invalid certificate'
    }
    certificate = { issuer, signature: wire.certificate }
  }
  let subject: PeerId | undefined
  if (kind === 'dead' || kind === 'left') {
    subject = readPeerId(wire.subject)
    if (subject == null || (wire.subjectNonce != null && wire.subjectNonce.byteLength !== NONCE_BYTES)) {
      return `${kind.toUpperCase()} without a valid subject`
    }
  }
  return {
    kind,
    from: msg.from,
    name: wire.name,
    role: roleFromWire(wire.role),
    multiaddrs: readMultiaddrs(wire.addresses),
    nonce: toHex(wire.nonce, 'base16'),
    seq: wire.seq,
    sentAt: wire.sentAt,
    heartbeatInterval: wire.intervalMs,
    neighbours: wire.neighbours,
    meshNeighbours: Math.min(wire.meshNeighbours, wire.neighbours.length),
    subject,
    subjectNonce: wire.subjectNonce == null ? undefined : toHex(wire.subjectNonce, 'base16'),
    reason: wire.reason ?? '',
    certificate
  }
}
