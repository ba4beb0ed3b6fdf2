/** The broadcast topic, and the envelope every broadcast travels in. */
import { isValidName } from '../config.js'
import { Broadcast } from './pb/broadcast.js'
import type { Message, PeerId } from '@libp2p/interface'

/** The topic all broadcasts of a network travel on. */
export function broadcastTopic (protocolPrefix: string): string {
  return `/${protocolPrefix}/broadcast/1`
}

/** Bytes a broadcast envelope adds to its payload (id 16, name 64, timestamp and tags), with room to spare. */
export const ENVELOPE_OVERHEAD_BYTES = 1024

/** A broadcast's envelope, as it goes on the topic. */
export function encodeBroadcast (envelope: Broadcast): Uint8Array {
  return Broadcast.encode(envelope)
}

/** The envelope of an accepted broadcast, with its authenticated origin, or undefined if it must be rejected. */
export function readBroadcast (msg: Message, maxMessageBytes: number): { from: PeerId, envelope: Broadcast } | undefined {
  if (msg.type !== 'signed' || msg.data.byteLength > maxMessageBytes + ENVELOPE_OVERHEAD_BYTES) {
    return undefined
  }
  let envelope: Broadcast
  try {
    envelope = Broadcast.decode(msg.data)
  } catch {
    return undefined
  }
  if (envelope.id.byteLength !== 16 || !isValidName(envelope.senderName) || envelope.payload.byteLength > maxMessageBytes) {
    return undefined
  }
  return { from: msg.from, envelope }
}
