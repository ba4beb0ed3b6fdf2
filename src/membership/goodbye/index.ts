/**
 * Our goodbye protocol, `/<prefix>/goodbye/1.0.0`: a leaving node tells each connected peer, with a reason, so that
 * they mark it as left at once instead of timing it out, and do not redial it.
 */
import type { PeerGuard } from '../../protection/peer-guard.js'
import { RequestResponse, type ProtocolHost } from '../../wire/request-response.js'
import { Goodbye, GoodbyeAck } from './pb/goodbye.js'
import type { PeerId } from '@libp2p/interface'

/** A reason code and a short message. */
export const MAX_FRAME_BYTES = 1024
/** One goodbye per connection is all a peer ever needs; 2 allows for a retry. */
export const MAX_STREAMS = 2
/** Longest message kept from a goodbye; the rest is cut. */
export const MAX_MESSAGE_LENGTH = 200

export type GoodbyeReason = 'leaving' | 'network-shutdown'

const TO_WIRE: Record<GoodbyeReason, Goodbye.Reason> = {
  leaving: Goodbye.Reason.LEAVING,
  'network-shutdown': Goodbye.Reason.NETWORK_SHUTDOWN
}

export function reasonFromWire (reason: Goodbye.Reason): GoodbyeReason {
  return reason === Goodbye.Reason.NETWORK_SHUTDOWN ? 'network-shutdown' : 'leaving'
}

export type GoodbyeProtocol = RequestResponse<Goodbye, GoodbyeAck>

export function goodbyeProtocol (host: ProtocolHost, init: { protocolPrefix: string, timeout: number, guard: PeerGuard }): GoodbyeProtocol {
  return new RequestResponse(host, {
    protocol: `/${init.protocolPrefix}/goodbye/1.0.0`,
    request: { encode: Goodbye.encode, decode: (frame) => Goodbye.decode(frame) },
    response: { encode: GoodbyeAck.encode, decode: (frame) => GoodbyeAck.decode(frame) },
    maxFrameBytes: MAX_FRAME_BYTES,
    maxStreams: MAX_STREAMS,
    timeout: init.timeout,
    guard: init.guard,
    logName: 'p2p-node:goodbye'
  })
}

/** Hears goodbyes: `onGoodbye` is told who is going, and why. */
export async function hearGoodbyes (protocol: GoodbyeProtocol, onGoodbye: (peer: PeerId, reason: GoodbyeReason, message: string) => void): Promise<void> {
  await protocol.serve((request, connection) => {
    onGoodbye(connection.remotePeer, reasonFromWire(request.reason), (request.message ?? '').slice(0, MAX_MESSAGE_LENGTH))
    return {}
  })
}

/** Tells `peer` this node is going, and waits for its acknowledgement. */
export async function sayGoodbye (service: GoodbyeProtocol, peer: PeerId, reason: GoodbyeReason, message: string, signal: AbortSignal): Promise<void> {
  await service.ask(peer, { reason: TO_WIRE[reason], message: message.slice(0, MAX_MESSAGE_LENGTH) }, { signal })
}
