/**
 * Our registry protocol, `/<prefix>/registry/1.0.0`: a node registers with the nodes it joins through (its
 * bootstraps), deregisters when it leaves, and reports peers it found dead. Every node answers it, so a node can
 * join through any member; bootstraps are just the ones everybody asks.
 */
import type { PeerGuard } from '../../protection/peer-guard.js'
import { requestResponse, type RequestResponseService } from '../request-response.js'
import { RegistryRequest, RegistryResponse } from './pb/registry.js'
import { MAX_ADDRESSES_PER_PEER } from '../peer-exchange/index.js'
import type { Connection } from '@libp2p/interface'

/** A name, a role, 8 addresses, a nonce and a peer id: well under 4 KiB. */
export const MAX_FRAME_BYTES = 4 * 1024
/** A node registers once per start and reports a few deaths: 4 streams at once is plenty. */
export const MAX_STREAMS = 4

export type RegistryService = RequestResponseService<RegistryRequest, RegistryResponse>

export function registry (init: { protocolPrefix: string, timeout: number, guard: PeerGuard, handle: (request: RegistryRequest, connection: Connection) => Promise<RegistryResponse> }): ReturnType<typeof requestResponse<RegistryRequest, RegistryResponse>> {
  return requestResponse({
    protocol: `/${init.protocolPrefix}/registry/1.0.0`,
    request: { encode: RegistryRequest.encode, decode: (frame) => RegistryRequest.decode(frame, { limits: { addresses: MAX_ADDRESSES_PER_PEER } }) },
    response: { encode: RegistryResponse.encode, decode: (frame) => RegistryResponse.decode(frame) },
    maxFrameBytes: MAX_FRAME_BYTES,
    maxStreams: MAX_STREAMS,
    timeout: init.timeout,
    guard: init.guard,
    handle: init.handle,
    malformed: () => ({ status: RegistryResponse.Status.REJECTED, error: 'malformed request' }),
    logName: 'p2p-node:registry'
  })
}

export { RegistryRequest, RegistryResponse }
