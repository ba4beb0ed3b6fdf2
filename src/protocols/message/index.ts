import type { Refusal } from '../../membership/sender-check.js'
import type { PeerGuard } from '../../protection/peer-guard.js'
import type { PeerId } from '@libp2p/interface'

export * from './constants.js'

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
  name: string
  /** Limits each peer's streams (requestsPerSecond) and messages (directPerSecond); strikes malformed frames and false claims. */
  guard: PeerGuard
  /**
   * Why a message must be refused (sender, name, window, replay), or undefined to deliver it. A refused replay is the
   * sender's own retry of a message whose acknowledgement it lost, and is acknowledged as a duplicate.
   */
  senderCheck: { refusal: (from: PeerId, senderName: string, id: string, sentAt: number) => Promise<Refusal | undefined> }
}

export { MessageService } from './message-service.js'
