import { StatusService } from './status-service.js'
import type { Role } from '../../config.js'
import type { ComponentLogger } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'

export const PROTOCOL_NAME = 'status'
export const PROTOCOL_VERSION = '1.0.0'
/** A status is a few strings and at most MAX_ADDRESSES addresses: 16 KiB is ample. */
export const MAX_FRAME_BYTES = 16 * 1024
export const MAX_ADDRESSES = 32
/** Status is asked for by people and dashboards, not in bulk: 4 streams at once per connection. */
export const MAX_STREAMS = 4

/** A node's status, its own or as another node reported it. */
export interface NodeStatus {
  peerId: string
  name: string
  role: Role
  version: string
  uptimeMs: number
  multiaddrs: string[]
  /** Open connections. */
  connections: number
  /** Live peers this node knows of. */
  knownPeers: number
  /** Peers in this node's broadcast mesh. */
  meshPeers: number
}

export interface StatusInit {
  protocolPrefix: string
  timeout: number
  /** This node's status, as it answers it. */
  getStatus: () => NodeStatus
}

export interface StatusComponents {
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

/** Our status protocol: ask a node who it is and how it is doing. */
export function status (init: StatusInit): (components: StatusComponents) => StatusService {
  return (components) => new StatusService(components, init)
}

export { StatusService }
