import { PeerExchangeService } from './peer-exchange-service.js'
import type { PeerGuard } from '../../protection/peer-guard.js'
import type { Role } from '../../config.js'
import type { MemberList } from '../../membership/members.js'
import type { ComponentLogger, PeerId } from '@libp2p/interface'
import type { AddressManager, ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { Multiaddr } from '@multiformats/multiaddr'

export * from './constants.js'

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
  /** What this node tells the peers it asks about itself, besides its addresses. */
  self: Omit<SelfDescription, 'multiaddrs'>
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
  addressManager: AddressManager
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
