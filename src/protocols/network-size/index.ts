/** Our network size protocol, `/<prefix>/network-size/1.0.0`: ask any node, bootstraps included, how big the network is. */
import type { PeerGuard } from '../../protection/peer-guard.js'
import { requestResponse, type RequestResponseService } from '../request-response.js'
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

export type NetworkSizeService = RequestResponseService<NetworkSizeRequest, NetworkSizeResponse>

export function networkSize (init: { protocolPrefix: string, timeout: number, guard: PeerGuard, getSize: () => NetworkSize }): ReturnType<typeof requestResponse<NetworkSizeRequest, NetworkSizeResponse>> {
  return requestResponse({
    protocol: `/${init.protocolPrefix}/network-size/1.0.0`,
    request: { encode: NetworkSizeRequest.encode, decode: (frame) => NetworkSizeRequest.decode(frame) },
    response: { encode: NetworkSizeResponse.encode, decode: (frame) => NetworkSizeResponse.decode(frame) },
    maxFrameBytes: MAX_FRAME_BYTES,
    maxStreams: MAX_STREAMS,
    timeout: init.timeout,
    guard: init.guard,
    handle: () => {
      const { size, alive, suspect, freshnessMs, exact } = init.getSize()
      return { size, alive, suspect, method: NetworkSizeResponse.Method.MEMBERSHIP_VIEW, freshnessMs, exact }
    },
    logName: 'p2p-node:network-size'
  })
}

/** Asks `peer` for the network size it sees. */
export async function queryNetworkSize (service: NetworkSizeService, peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<NetworkSize> {
  const { response } = await service.ask(peer, {}, options)
  const { size, alive, suspect, freshnessMs, exact } = response
  return { size, alive, suspect, method: 'membership-view', freshnessMs, exact }
}
