import { VERSION } from '../version.js'
import { queryStatus, serveStatus, type NodeStatus, type StatusProtocol } from './index.js'
import type { Role } from '../config.js'
import type { PeerId } from '@libp2p/interface'

/** Where a node's status comes from: each figure read when asked. */
export interface StatusSources {
  peerId: string
  name: string
  role: Role
  multiaddrs: () => string[]
  connections: () => number
  knownPeers: () => number
  meshPeers: () => number
  networkSize: () => number
  rejectedMessages: () => number
  isReady: () => boolean
}

/** This node's status, as it answers the status protocol, and other nodes' status, as they answer it. */
export class StatusService {
  /** @internal The wire protocol, for white-box tests. */
  readonly protocol: StatusProtocol
  private readonly sources: StatusSources
  private startedAt = 0

  constructor (protocol: StatusProtocol, sources: StatusSources) {
    this.protocol = protocol
    this.sources = sources
  }

  /** Starts the uptime clock and answers the protocol. */
  async start (): Promise<void> {
    this.startedAt = Date.now()
    await serveStatus(this.protocol, () => this.local())
  }

  async stop (): Promise<void> {
    await this.protocol.unserve()
  }

  uptime (): number {
    return this.startedAt === 0 ? 0 : Date.now() - this.startedAt
  }

  local (): NodeStatus {
    const s = this.sources
    return {
      peerId: s.peerId,
      name: s.name,
      role: s.role,
      version: VERSION,
      uptimeMs: this.uptime(),
      multiaddrs: s.multiaddrs(),
      connections: s.connections(),
      knownPeers: s.knownPeers(),
      meshPeers: s.meshPeers(),
      networkSize: s.networkSize(),
      rejectedMessages: s.rejectedMessages(),
      state: s.isReady() ? 'joined' : 'joining'
    }
  }

  /** `peer`'s status, as it reports it; the peer id is the one Noise authenticated. */
  async ask (peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<NodeStatus> {
    return queryStatus(this.protocol, peer, options)
  }
}
