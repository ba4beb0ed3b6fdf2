import { randomBytes } from '@libp2p/crypto'
import { TopicValidatorResult } from '@libp2p/interface'
import { TypedEventEmitter } from 'main-event'
import { toString as toHex } from 'uint8arrays/to-string'
import { MessageTooLargeError } from '../errors.js'
import { STRIKES, type PeerGuard } from '../protection/peer-guard.js'
import { encodeBroadcast, readBroadcast } from './envelope.js'
import type { Refusal } from '../verification/sender-check.js'
import type { Broadcast } from './pb/broadcast.js'
import type { GossipSub, GossipsubMessage } from '@chainsafe/libp2p-gossipsub'
import type { Message, PeerId } from '@libp2p/interface'

export interface BroadcasterInit {
  pubsub: GossipSub
  /** The topic broadcasts travel on. */
  topic: string
  /** This node's name, as its broadcasts carry it. */
  name: string
  maxMessageBytes: number
  /** Limits each origin's broadcasts (broadcastsPerSecond), and strikes origins that send false or malformed ones. */
  guard: PeerGuard
  /** Why a broadcast must be refused (sender, name, window, replay), or undefined to deliver it. */
  senderCheck: { refusal: (from: PeerId, senderName: string, id: string, sentAt: number) => Promise<Refusal | undefined> }
}

/** A broadcast as it arrived: `from` is its gossipsub signer. */
export interface ReceivedBroadcast {
  id: string
  from: PeerId
  senderName: string
  payload: Uint8Array
  sentAt: number
}

export interface BroadcasterEvents {
  message: CustomEvent<ReceivedBroadcast>
  /** A broadcast was refused; `from` is undefined for an unsigned one. */
  rejected: CustomEvent<{ id: string, from?: PeerId, senderName: string, reason: string }>
}

/**
 * Broadcasts on the gossipsub topic: sends this node's, signed, and delivers those that pass the topic validator.
 * A broadcast is refused when it is malformed, when its origin is over its rate limit, or when its sender is not a
 * live member, claims another name or replays one. Only a malformed one is rejected: gossipsub then penalises every
 * peer that passed a copy on, and no honest node passes one on. The others depend on each node's view, clock and
 * budget, and an honest forwarder that accepted one must not pay for it: they are ignored, and the origin, if it
 * sent one itself, pays in strikes (the app part of its score). None is delivered or passed on.
 */
export class Broadcaster extends TypedEventEmitter<BroadcasterEvents> {
  /** Broadcasts sent, delivered and refused by this node since it was created. */
  readonly counts = { sent: 0, received: 0, rejected: 0 }
  private readonly init: BroadcasterInit
  /** What the validator read of each accepted message, so that delivery does not decode it again. */
  private readonly accepted = new WeakMap<Message, { from: PeerId, envelope: Broadcast }>()

  constructor (init: BroadcasterInit) {
    super()
    this.init = init
    this.validate = this.validate.bind(this)
    this.onMessage = this.onMessage.bind(this)
  }

  /** Validates and delivers broadcasts, and joins the topic (gossipsub must be started). */
  start (): void {
    const { pubsub, topic } = this.init
    pubsub.topicValidators.set(topic, this.validate)
    pubsub.addEventListener('gossipsub:message', this.onMessage)
    pubsub.subscribe(topic)
  }

  stop (): void {
    this.init.pubsub.removeEventListener('gossipsub:message', this.onMessage)
  }

  /** Sends `payload` to every node, signed by this node. Resolves with its id and the peers it was handed to. */
  async publish (payload: Uint8Array): Promise<{ id: string, recipients: number }> {
    const { maxMessageBytes, pubsub, topic, name } = this.init
    if (payload.byteLength > maxMessageBytes) {
      throw new MessageTooLargeError(payload.byteLength, maxMessageBytes)
    }
    const id = randomBytes(16)
    const result = await pubsub.publish(topic, encodeBroadcast({ id, payload, senderName: name, sentAt: Date.now() }))
    this.counts.sent++
    return { id: toHex(id, 'base16'), recipients: result.recipients.length }
  }

  /** Peer ids of the peers in this node's broadcast mesh. */
  meshPeerIds (): string[] {
    return this.init.pubsub.getMeshPeers(this.init.topic)
  }

  private async validate (source: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const { guard, maxMessageBytes, senderCheck } = this.init
    const fromOrigin = msg.type === 'signed' && source.equals(msg.from)
    const read = readBroadcast(msg, maxMessageBytes)
    if (read == null) {
      this.reject(msg, '', '', 'malformed broadcast')
      if (fromOrigin) guard.strike(source, STRIKES.malformed, 'malformed broadcast')
      return TopicValidatorResult.Reject
    }
    const { from, envelope } = read
    const id = toHex(envelope.id, 'base16')
    if (!guard.allow(from, 'broadcastsPerSecond')) { // the origin got its strike
      this.reject(msg, envelope.senderName, id, 'its sender is over its broadcast rate limit, or banned')
      return TopicValidatorResult.Ignore
    }
    const refusal = await senderCheck.refusal(from, envelope.senderName, id, envelope.sentAt)
    if (refusal == null) {
      this.accepted.set(msg, read)
      return TopicValidatorResult.Accept
    }
    this.reject(msg, envelope.senderName, id, refusal.reason)
    // a clock set wrong is not an attack
    if (fromOrigin && refusal.kind !== 'window') {
      guard.strike(source, STRIKES.invalid, refusal.reason)
    }
    return TopicValidatorResult.Ignore
  }

  private reject (msg: Message, senderName: string, id: string, reason: string): void {
    this.counts.rejected++
    this.safeDispatchEvent('rejected', { detail: { id, from: msg.type === 'signed' ? msg.from : undefined, senderName, reason } })
  }

  private onMessage (evt: CustomEvent<GossipsubMessage>): void {
    const { msg } = evt.detail
    const read = msg.topic === this.init.topic ? this.accepted.get(msg) : undefined
    if (read == null) {
      return
    }
    const { from, envelope } = read
    this.counts.received++
    this.safeDispatchEvent('message', {
      detail: { id: toHex(envelope.id, 'base16'), from, senderName: envelope.senderName, payload: envelope.payload, sentAt: envelope.sentAt }
    })
  }
}
