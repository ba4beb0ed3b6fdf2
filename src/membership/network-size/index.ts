/** Our network size protocol, `/<prefix>/network-size/1.0.0`: ask any node, bootstraps included, how big the network is. */
import type { PeerGuard } from '../../protection/peer-guard.js'
import { RequestResponse, type ProtocolHost } from '../../wire/request-response.js'
import { NetworkSizeRequest, NetworkSizeResponse } from './pb/network-size.js'
import type { PeerId } from '@libp2p/interface'

/** A handful of integers. */
export const MAX_FRAME_BYTES = 1024
export const MAX_STREAMS = 4

/** The size of the network as one node sees it. */
export interface NetworkSize {
  /** Live members (alive or suspect), the answering node included. */
  size: number
  alive: number
  suspect: number
  /** How it was counted: in the node's membership view, fed by signed heartbeats. */
  method: 'membership-view'
  /** The oldest news among the members counted, in ms: the count is at least this fresh. */
  freshnessMs: number
  /** False when the view is full (10,000 members) and the network may be larger. */
  exact: boolean
}

export type NetworkSizeProtocol = RequestResponse<NetworkSizeRequest, NetworkSizeResponse>

export function networkSizeProtocol (host: ProtocolHost, init: { protocolPrefix: string, timeout: number, guard: PeerGuard }): NetworkSizeProtocol {
  return new RequestResponse(host, {
    protocol: `/${init.protocolPrefix}/network-size/1.0.0`,
    request: { encode: NetworkSizeRequest.encode, decode: (frame) => NetworkSizeRequest.decode(frame) },
    response: { encode: NetworkSizeResponse.encode, decode: (frame) => NetworkSizeResponse.decode(frame) },
    maxFrameBytes: MAX_FRAME_BYTES,
    maxStreams: MAX_STREAMS,
    timeout: init.timeout,
    guard: init.guard,
    logName: 'p2p-node:network-size'
  })
}

/** Answers the network size protocol with `getSize()`, until unserved. */
export async function serveNetworkSize (protocol: NetworkSizeProtocol, getSize: () => NetworkSize): Promise<void> {
  await protocol.serve(() => {
    const { size, alive, suspect, freshnessMs, exact } = getSize()
    return { size, alive, suspect, method: NetworkSizeResponse.Method.MEMBERSHIP_VIEW, freshnessMs, exact }
  })
}

/** Asks `peer` for the network size it sees. */
export async function queryNetworkSize (service: NetworkSizeProtocol, peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<NetworkSize> {
  const { response } = await service.ask(peer, {}, options)
  const { size, alive, suspect, freshnessMs, exact } = response
  return { size, alive, suspect, method: 'membership-view', freshnessMs, exact }
}
