import { MessageService } from './message-service.js'
import type { Refusal } from '../../membership/sender-check.js'
import type { PeerGuard } from '../../protection/peer-guard.js'
import type { ComponentLogger, PeerId } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'

export const PROTOCOL_NAME = 'message'
export const PROTOCOL_VERSION = '1.0.0'
/** Bytes a frame may hold beyond the payload: id (16), name (64), timestamp and tags, with room to spare. */
export const FRAME_OVERHEAD_BYTES = 1024
/**
 * A sender keeps one stream per peer and pipelines messages on it; a few more may be opened while one is being
 * replaced. More than 8 at once from one connection is abuse, not need.
 */
export const MAX_INBOUND_STREAMS = 8
export const MAX_OUTBOUND_STREAMS = 8
/** Unacknowledged messages in flight to one peer; past it send() fails fast rather than queueing without bound. */
export const MAX_IN_FLIGHT = 256
/** A sender closes a stream it has not used for this long; the receiver waits twice as long, so it never closes first. */
export const SENDER_IDLE_TIMEOUT = 30_000
/**
 * Tries of one message: a stream closed under it (its connection pruned or dropped) leaves unknown whether it
 * arrived, so it is sent once more on a new stream; the receiver acknowledges a copy it delivered as a duplicate.
 */
export const MAX_SEND_ATTEMPTS = 2
export const RECEIVER_IDLE_TIMEOUT = 2 * SENDER_IDLE_TIMEOUT

/** A direct message as it arrived: the sender is the stream's Noise-authenticated peer. */
export interface ReceivedDirectMessage {
  id: string
  from: PeerId
  senderName: string
  payload: Uint8Array
  sentAt: number
  receivedAt: number
}

export interface MessageServiceEvents {
  message: CustomEvent<ReceivedDirectMessage>
  /** A message was refused: its sender is not a live member, claims another name, or sent it outside the replay window. */
  rejected: CustomEvent<{ id: string, from: PeerId, senderName: string, reason: string }>
}

export interface MessageInit {
  protocolPrefix: string
  /** Deadline of one send, from dial to acknowledgement, in ms. */
  timeout: number
  maxMessageBytes: number
  /** This node's name, as it tells its receivers. */
  name: () => string
  /** Limits each peer's streams (requestsPerSecond) and messages (directPerSecond); counts malformed frames. */
  guard: PeerGuard
  /** Why a message from `from` must be refused, or undefined to accept it. A refused replay is acknowledged as a duplicate. */
  refusal: (from: PeerId, message: { id: string, senderName: string, sentAt: number }) => Promise<Refusal | undefined>
}

export interface MessageComponents {
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

/** Our direct message protocol: one message to one peer, acknowledged by the receiver. */
export function directMessages (init: MessageInit): (components: MessageComponents) => MessageService {
  return (components) => new MessageService(components, init)
}

export { MessageService }
