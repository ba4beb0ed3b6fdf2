/** Our status protocol, `/<prefix>/status/1.0.0`: ask a node who it is and how it is doing. */
import type { PeerGuard } from '../protection/peer-guard.js'
import { multiaddr } from '@multiformats/multiaddr'
import { RequestResponse, type ProtocolHost } from '../wire/request-response.js'
import { roleFromWire, roleToWire } from '../wire/fields.js'
import { StatusRequest, StatusResponse } from './pb/status.js'
import type { Role } from '../config.js'
import type { PeerId } from '@libp2p/interface'

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
  /** Live members this node knows of, itself left out. */
  knownPeers: number
  /** Peers in this node's broadcast mesh. */
  meshPeers: number
  /** Live members of the network in this node's view, itself included. */
  networkSize: number
  /** Broadcasts and direct messages this node refused: unknown or spoofed sender, replay. */
  rejectedMessages: number
  /**
   * 'joined' once the node is a registered member holding the network's view and able to broadcast (see
   * P2PNode.isReady); 'joining' before, e.g. while no bootstrap answers. A bootstrap is always joined.
   */
  state: 'joining' | 'joined'
}

export type StatusProtocol = RequestResponse<StatusRequest, StatusResponse>

export function statusProtocol (host: ProtocolHost, init: { protocolPrefix: string, timeout: number, guard: PeerGuard }): StatusProtocol {
  return new RequestResponse(host, {
    protocol: `/${init.protocolPrefix}/status/1.0.0`,
    request: { encode: StatusRequest.encode, decode: (frame) => StatusRequest.decode(frame) },
    response: { encode: StatusResponse.encode, decode: (frame) => StatusResponse.decode(frame, { limits: { addresses: MAX_ADDRESSES } }) },
    maxFrameBytes: MAX_FRAME_BYTES,
    maxStreams: MAX_STREAMS,
    timeout: init.timeout,
    guard: init.guard,
    logName: 'p2p-node:status'
  })
}

/** Answers the status protocol with `getStatus()`, until unserved. */
export async function serveStatus (protocol: StatusProtocol, getStatus: () => NodeStatus): Promise<void> {
  await protocol.serve(() => toWire(getStatus()))
}

/** Asks `peer` for its status. The peer id is the one Noise authenticated, whatever the answer says. */
export async function queryStatus (service: StatusProtocol, peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<NodeStatus> {
  const { response, connection } = await service.ask(peer, {}, options)
  return { ...fromWire(response), peerId: connection.remotePeer.toString() }
}

function toWire (status: NodeStatus): StatusResponse {
  return {
    peerId: status.peerId,
    name: status.name,
    role: roleToWire<StatusResponse.Role>(status.role),
    version: status.version,
    uptimeMs: status.uptimeMs,
    addresses: status.multiaddrs.slice(0, MAX_ADDRESSES).map(ma => multiaddr(ma).bytes),
    connections: status.connections,
    knownPeers: status.knownPeers,
    meshPeers: status.meshPeers,
    networkSize: status.networkSize,
    rejectedMessages: status.rejectedMessages,
    state: status.state === 'joined' ? StatusResponse.State.JOINED : StatusResponse.State.JOINING
  }
}

function fromWire (response: StatusResponse): NodeStatus {
  const multiaddrs: string[] = []
  for (const bytes of response.addresses) {
    try {
      multiaddrs.push(multiaddr(bytes).toString())
    } catch {
      // an unreadable address is left out; the rest of the status is still worth having
    }
  }
  return {
    peerId: response.peerId,
    name: response.name,
    role: roleFromWire(response.role),
    version: response.version,
    uptimeMs: response.uptimeMs,
    multiaddrs,
    connections: response.connections,
    knownPeers: response.knownPeers,
    meshPeers: response.meshPeers,
    networkSize: response.networkSize,
    rejectedMessages: response.rejectedMessages,
    state: response.state === StatusResponse.State.JOINED ? 'joined' : 'joining'
  }
}
