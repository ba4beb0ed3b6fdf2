import { randomBytes } from '@libp2p/crypto'
import { TypedEventEmitter } from 'main-event'
import { toString as toHex } from 'uint8arrays/to-string'
import { isValidName } from '../config.js'
import { asError, messageOf, MessageTooLargeError, NotStartedError, RejectedError, UnreachablePeerError } from '../errors.js'
import { STREAM_BACKSTOP, STRIKES } from '../protection/peer-guard.js'
import { admitInbound, serveRequests, type Reply } from '../wire/framing.js'
import { OutboundChannel } from './outbound-channel.js'
import { DirectMessage, DirectMessageAck } from './pb/message.js'
import { FRAME_OVERHEAD_BYTES, MAX_IN_FLIGHT, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, MAX_SEND_ATTEMPTS, PROTOCOL_NAME, PROTOCOL_VERSION, RECEIVER_IDLE_TIMEOUT, SENDER_IDLE_TIMEOUT } from './constants.js'
import type { Refusal } from '../verification/sender-check.js'
import type { ProtocolHost } from '../wire/request-response.js'
import type { PeerGuard } from '../protection/peer-guard.js'
import type { IncomingStreamData, Logger, PeerId, Startable } from '@libp2p/interface'

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

/**
 * Sends and receives `/<prefix>/message/1.0.0`: length-prefixed DirectMessage frames, each answered by a
 * DirectMessageAck carrying its id and a status. The sender is the Noise-authenticated remote peer.
 */
export class MessageService extends TypedEventEmitter<MessageServiceEvents> implements Startable {
  readonly protocol: string
  readonly [Symbol.toStringTag] = 'p2p-node:message'
  /** Messages sent (acknowledged), received (delivered) and refused by this node since it was created. */
  readonly counts = { sent: 0, received: 0, rejected: 0 }
  private readonly host: ProtocolHost
  private readonly timeout: number
  private readonly maxMessageBytes: number
  private readonly maxFrameBytes: number
  private readonly name: string
  private readonly senderCheck: MessageInit['senderCheck']
  private readonly guard: PeerGuard
  private readonly log: Logger
  private readonly channels = new Map<string, Promise<OutboundChannel>>()
  private started = false

  constructor (host: ProtocolHost, init: MessageInit) {
    super()
    this.host = host
    this.protocol = `/${init.protocolPrefix}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`
    this.timeout = init.timeout
    this.maxMessageBytes = init.maxMessageBytes
    this.maxFrameBytes = init.maxMessageBytes + FRAME_OVERHEAD_BYTES
    this.name = init.name
    this.senderCheck = init.senderCheck
    this.guard = init.guard
    this.log = host.logger.forComponent('p2p-node:message')
    this.handleStream = this.handleStream.bind(this)
  }

  async start (): Promise<void> {
    if (this.started) {
      return
    }
    await this.host.handle(this.protocol, this.handleStream, {
      maxInboundStreams: STREAM_BACKSTOP,
      maxOutboundStreams: MAX_OUTBOUND_STREAMS
    })
    this.started = true
  }

  async stop (): Promise<void> {
    this.started = false
    await this.host.unhandle(this.protocol)
    for (const channel of this.channels.values()) {
      channel.then(c => { c.abort(new NotStartedError('the node is stopping')) }, () => {})
    }
    this.channels.clear()
  }

  isStarted (): boolean {
    return this.started
  }

  /**
   * Sends `payload` to `peer`, dialing it if needed, and resolves with the message id once the receiver has
   * acknowledged it (or acknowledged a retry as a duplicate of it). Rejects with MessageTooLargeError,
   * UnreachablePeerError, RejectedError or TimeoutError.
   */
  async send (peer: PeerId, payload: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<string> {
    if (!this.started) {
      throw new NotStartedError()
    }
    if (payload.byteLength > this.maxMessageBytes) {
      throw new MessageTooLargeError(payload.byteLength, this.maxMessageBytes)
    }
    const signal = options.signal ?? AbortSignal.timeout(this.timeout)
    const id = randomBytes(16)
    for (let attempt = 1; ; attempt++) {
      const channel = await this.channelTo(peer, signal)
      // stamped once the stream is open: the receiver's replay window then covers the message's way on the wire,
      // not a dial, which on a loaded machine can outlast the window (docs/decisions/direct-message-timestamp.md)
      const frame = DirectMessage.encode({ id, payload, senderName: this.name, sentAt: Date.now() })
      let ack: DirectMessageAck
      try {
        ack = await channel.send(id, frame, signal)
      } catch (err) {
        if (channel.isOpen || signal.aborted || attempt === MAX_SEND_ATTEMPTS) {
          throw err
        }
        this.log('the stream to %p closed before message %s was acknowledged (%s): sending it again', peer, toHex(id, 'base16'), messageOf(err))
        continue
      }
      switch (ack.status) {
        case DirectMessageAck.Status.OK:
        case DirectMessageAck.Status.DUPLICATE:
          this.counts.sent++
          return toHex(id, 'base16')
        default:
          throw new RejectedError(`${peer.toString()} refused the message: ${ack.error ?? ack.status}`)
      }
    }
  }

  /** The open channel to `peer`, or a new one; concurrent senders share one dial. */
  private async channelTo (peer: PeerId, signal: AbortSignal): Promise<OutboundChannel> {
    const key = peer.toString()
    const existing = this.channels.get(key)
    if (existing != null) {
      const channel = await existing.catch(() => undefined)
      if (channel?.isOpen === true) {
        return channel
      }
      if (this.channels.get(key) === existing) {
        this.channels.delete(key)
      }
      return this.channelTo(peer, signal)
    }
    const opening = this.openChannel(peer, signal)
    this.channels.set(key, opening)
    opening.catch(() => {
      if (this.channels.get(key) === opening) {
        this.channels.delete(key)
      }
    })
    return opening
  }

  private async openChannel (peer: PeerId, signal: AbortSignal): Promise<OutboundChannel> {
    try {
      const connection = await this.host.dial(peer, { signal })
      const stream = await connection.newStream(this.protocol, { signal })
      const key = peer.toString()
      const channel: OutboundChannel = new OutboundChannel(stream, {
        idleTimeout: SENDER_IDLE_TIMEOUT,
        maxInFlight: MAX_IN_FLIGHT,
        log: this.log
      }, () => {
        void this.channels.get(key)?.then(current => {
          if (current === channel) {
            this.channels.delete(key)
          }
        }, () => {})
      })
      return channel
    } catch (err) {
      throw new UnreachablePeerError(peer.toString(), err)
    }
  }

  private handleStream ({ stream, connection }: IncomingStreamData): void {
    const from = connection.remotePeer
    const { guard } = this
    const onEnd = admitInbound(stream, from, guard, MAX_INBOUND_STREAMS, this.log)
    if (onEnd == null) {
      return
    }
    const onMalformed = (err: Error): void => { guard.strike(from, STRIKES.malformed, `malformed direct message frame: ${err.message}`) }
    serveRequests(stream, { maxSize: this.maxFrameBytes, idleTimeout: RECEIVER_IDLE_TIMEOUT, log: this.log, onMalformed, onEnd }, async (frame): Promise<Reply> => {
      let message: DirectMessage
      try {
        message = DirectMessage.decode(frame)
      } catch (err) {
        this.log('malformed message from %p: %s', from, messageOf(err))
        onMalformed(asError(err))
        return ack(new Uint8Array(), DirectMessageAck.Status.MALFORMED, 'malformed message', true)
      }
      if (message.id.byteLength !== 16 || !isValidName(message.senderName)) {
        this.log('malformed message from %p: bad id or sender name', from)
        onMalformed(new Error('bad id or sender name'))
        return ack(message.id.subarray(0, 16), DirectMessageAck.Status.MALFORMED, 'bad id or sender name', true)
      }
      if (!guard.allow(from, 'directPerSecond')) {
        const reason = 'over its direct message rate limit, or banned'
        this.reject(toHex(message.id, 'base16'), from, message.senderName, reason)
        return ack(message.id, DirectMessageAck.Status.REJECTED, reason)
      }
      if (message.payload.byteLength > this.maxMessageBytes) {
        return ack(message.id, DirectMessageAck.Status.TOO_LARGE, `the maximum is ${this.maxMessageBytes} bytes`)
      }
      const id = toHex(message.id, 'base16')
      const refusal = await this.senderCheck.refusal(from, message.senderName, id, message.sentAt)
      if (refusal?.kind === 'replay') {
        this.log('message %s from %p was delivered already: a retry', id, from)
        return ack(message.id, DirectMessageAck.Status.DUPLICATE)
      }
      if (refusal != null) {
        // it came straight from its sender, so a false claim costs the sender strikes; a clock set wrong is no attack
        if (refusal.kind !== 'window') {
          guard.strike(from, STRIKES.invalid, refusal.reason)
        }
        this.reject(id, from, message.senderName, refusal.reason)
        return ack(message.id, DirectMessageAck.Status.REJECTED, refusal.reason)
      }
      this.counts.received++
      this.safeDispatchEvent('message', {
        detail: {
          id,
          from,
          senderName: message.senderName,
          payload: message.payload,
          sentAt: message.sentAt,
          receivedAt: Date.now()
        }
      })
      return ack(message.id, DirectMessageAck.Status.OK)
    })
  }

  private reject (id: string, from: PeerId, senderName: string, reason: string): void {
    this.counts.rejected++
    this.safeDispatchEvent('rejected', { detail: { id, from, senderName, reason } })
  }
}

function ack (id: Uint8Array, status: DirectMessageAck.Status, error?: string, end = false): Reply {
  return { reply: DirectMessageAck.encode({ id, status, error }), end }
}
