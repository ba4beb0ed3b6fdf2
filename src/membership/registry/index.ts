/**
 * Our registry protocol, `/<prefix>/registry/1.0.0`: a node registers with the nodes it joins through (its
 * bootstraps), deregisters when it leaves, and reports peers it found dead. Every node answers it, so a node can
 * join through any member; bootstraps are just the ones everybody asks.
 */
import type { PeerGuard } from '../../protection/peer-guard.js'
import { RequestResponse, type ProtocolHost } from '../../wire/request-response.js'
import { RegistryRequest, RegistryResponse } from './pb/registry.js'
import { MAX_ADDRESSES_PER_PEER } from '../../discovery/peer-exchange/constants.js'

/** A name, a role, 8 addresses, a nonce and a peer id: well under 4 KiB. */
export const MAX_FRAME_BYTES = 4 * 1024
/** A node registers once per start and reports a few deaths: 4 streams at once is plenty. */
export const MAX_STREAMS = 4

export type RegistryProtocol = RequestResponse<RegistryRequest, RegistryResponse>

export function registryProtocol (host: ProtocolHost, init: { protocolPrefix: string, timeout: number, guard: PeerGuard }): RegistryProtocol {
  return new RequestResponse<RegistryRequest, RegistryResponse>(host, {
    protocol: `/${init.protocolPrefix}/registry/1.0.0`,
    request: { encode: RegistryRequest.encode, decode: (frame) => RegistryRequest.decode(frame, { limits: { addresses: MAX_ADDRESSES_PER_PEER } }) },
    response: { encode: RegistryResponse.encode, decode: (frame) => RegistryResponse.decode(frame) },
    maxFrameBytes: MAX_FRAME_BYTES,
    maxStreams: MAX_STREAMS,
    timeout: init.timeout,
    guard: init.guard,
    malformed: () => ({ status: RegistryResponse.Status.REJECTED, error: 'malformed request' }),
    logName: 'p2p-node:registry'
  })
}

export { RegistryRequest, RegistryResponse }
