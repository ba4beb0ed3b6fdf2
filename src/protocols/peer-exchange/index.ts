import { PeerExchangeService } from './peer-exchange-service.js'
import type { PeerGuard } from '../../protection/peer-guard.js'
import type { Role } from '../../config.js'
import type { MemberList } from '../../membership/members.js'
import type { ComponentLogger, PeerId } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { Multiaddr } from '@multiformats/multiaddr'

export const PROTOCOL_NAME = 'peer-exchange'
export const PROTOCOL_VERSION = '1.0.0'
/** Peers in one answer: enough to fill a node's connections several times over, small enough for one frame. */
export const MAX_PEERS_PER_ANSWER = 64
/** Addresses kept per peer; a host with more is unusual and the rest are not worth the bytes. */
export const MAX_ADDRESSES_PER_PEER = 8
/** A record is a peer id, a name, 8 addresses and a certificate: well under 2 KiB, so 64 of them fit in 128 KiB. */
export const MAX_FRAME_BYTES = 128 * 1024
/** A node asks every few seconds at most; more than 4 streams at once from one connection is abuse. */
export const MAX_STREAMS = 4
/** Pages one sync reads at most: the view holds at most 10,000 members, 64 a page. */
export const MAX_PAGES = 160

export interface SelfDescription {
  name: string
  role: Role
  multiaddrs: Multiaddr[]
}

export interface PeerExchangeInit {
  protocolPrefix: string
  timeout: number
  members: MemberList
  /**
   * Whether `peer` is in this node's view or is one of its bootstraps. Only such a peer is believed about others, and
   * recorded when it asks: a stranger that connects must not put itself, or anyone, into the view.
   */
  knows: (peer: PeerId) => boolean
  /** What this node tells the peers it asks about itself. */
  describeSelf: () => SelfDescription
  /**
   * How long an announcement may take to reach every node (gossipsub's seen TTL: an older one is refused). A member
   * known for longer is settled: a node that has not heard of it by then never will by its JOIN.
   */
  settleAge: number
  /** Limits each peer's requests (requestsPerSecond) and counts its malformed ones. */
  guard: PeerGuard
}

export interface PeerExchangeComponents {
  peerId: PeerId
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

/** Our peer exchange protocol: ask a node for the live peers it knows, telling it about ourselves. */
export function peerExchange (init: PeerExchangeInit): (components: PeerExchangeComponents) => PeerExchangeService {
  return (components) => new PeerExchangeService(components, init)
}

export { PeerExchangeService }
export type { ExchangeResult } from './peer-exchange-service.js'
