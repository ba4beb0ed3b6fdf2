/**
 * What an attacker does, run in the swarm's worker with a real node of its own: raw gossipsub RPCs that its
 * gossipsub would never send (another peer's id, no signature, replays, subscription floods), and floods of
 * broadcasts, direct messages and streams. Each returns plain figures for the test to assert on.
 */
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { randomBytes } from '@libp2p/crypto'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import { broadcastTopic, encodeBroadcast, DirectMessage, DirectMessageAck } from '../../dist/internal.js'
import type { P2PNode } from '../../dist/index.js'
import type { Message } from '@libp2p/interface'

const TOPIC = broadcastTopic('p2p-node')

/** A gossipsub RPC message, as it travels. */
interface RawMessage {
  from?: Uint8Array
  data?: Uint8Array
  seqno?: Uint8Array
  topic: string
  signature?: Uint8Array
  key?: Uint8Array
}

/**
 * gossipsub's own send, which takes any RPC: how an attacker's modified client would write to its peers. Resolves
 * with the peers it was written to: those connected, with a gossipsub stream open (a new connection has none yet).
 */
function sendRaw (attacker: P2PNode, rpc: { messages?: RawMessage[], subscriptions?: Array<{ topic: string, subscribe: boolean }> }, to?: string[]): string[] {
  const pubsub: any = attacker.libp2p.services.pubsub
  return (to ?? attacker.libp2p.getPeers().map(String))
    .filter(peer => pubsub.sendRpc(peer, { subscriptions: [], messages: [], ...rpc }) === true)
}

function envelope (text: string, senderName: string): Uint8Array {
  return encodeBroadcast({ id: randomBytes(16), payload: new TextEncoder().encode(text), senderName, sentAt: Date.now() })
}

/**
 * Broadcasts under `victim`'s peer id and name: signed by the attacker (so the signature does not match the id),
 * or not signed at all. Resolves with the peers it was written to.
 */
export function impersonate (attacker: P2PNode, victim: P2PNode, text: string, signed: boolean): string[] {
  const message: RawMessage = {
    from: victim.peerId.toMultihash().bytes,
    data: envelope(text, victim.name),
    seqno: randomBytes(8),
    topic: TOPIC
  }
  if (signed) {
    message.signature = randomBytes(64)
    message.key = publicKeyToProtobuf(attacker.libp2p.peerId.publicKey!)
  }
  return sendRaw(attacker, { messages: [message] })
}

const captured = new Map<string, RawMessage>()

/** Keeps a copy of every broadcast the attacker receives, exactly as signed by its origin, for replays. */
export function capture (attacker: P2PNode): void {
  attacker.libp2p.services.pubsub.addEventListener('gossipsub:message', (evt) => {
    const msg: Message = evt.detail.msg
    if (msg.type !== 'signed' || msg.topic !== TOPIC) return
    const seqno = new Uint8Array(8)
    new DataView(seqno.buffer).setBigUint64(0, msg.sequenceNumber)
    const text = new TextDecoder().decode(msg.data)
    // copies: the message's bytes may be views into buffers that libp2p reuses
    captured.set(text, { from: msg.from.toMultihash().bytes, data: msg.data.slice(), seqno, topic: msg.topic, signature: msg.signature.slice(), key: publicKeyToProtobuf(msg.key) })
  })
}

/** Sends again, unchanged, a captured broadcast whose envelope contains `text`. False if none was captured. */
export function replay (attacker: P2PNode, text: string): boolean {
  for (const [raw, message] of captured) {
    if (raw.includes(text)) {
      return sendRaw(attacker, { messages: [message] }).length > 0
    }
  }
  return false
}

/**
 * `count` validly signed broadcasts from the attacker's own id and name, as fast as it can publish them. Resolves
 * with the time it took and the peers it wrote them to.
 */
export async function floodBroadcasts (attacker: P2PNode, count: number, text: string): Promise<{ ms: number, recipients: string[] }> {
  const started = Date.now()
  const recipients = new Set<string>()
  for (let i = 0; i < count; i++) {
    const result = await attacker.libp2p.services.pubsub.publish(TOPIC, envelope(`${text} ${i}`, attacker.name)).catch(() => undefined)
    for (const peer of result?.recipients ?? []) recipients.add(peer.toString())
  }
  return { ms: Date.now() - started, recipients: [...recipients] }
}

/** `count` direct message frames on one stream, written without waiting for acks. Counts the acks by status. */
export async function floodDirect (attacker: P2PNode, target: P2PNode, count: number, text: string): Promise<Record<string, number>> {
  const stream = await attacker.libp2p.dialProtocol(target.peerId, '/p2p-node/message/1.0.0')
  const frames = Array.from({ length: count }, (_, i) =>
    DirectMessage.encode({ id: randomBytes(16), payload: new TextEncoder().encode(`${text} ${i}`), senderName: attacker.name, sentAt: Date.now() }))
  const statuses: Record<string, number> = {}
  await pipe(frames, (source) => lp.encode(source), stream, (source) => lp.decode(source), async (source) => {
    for await (const reply of source) {
      const status = DirectMessageAck.decode(reply.subarray()).status
      statuses[status] = (statuses[status] ?? 0) + 1
      if (Object.values(statuses).reduce((a, b) => a + b, 0) === count) break
    }
  }).catch(() => {}) // the target hangs up on a flooder
  return statuses
}

/** `frames` gossipsub RPCs, each subscribing to `perFrame` topics never seen before. */
export async function floodSubscriptions (attacker: P2PNode, target: P2PNode, frames: number, perFrame: number): Promise<number> {
  await connectPubsub(attacker, target)
  let sent = 0
  for (let i = 0; i < frames; i++) {
    const subscriptions = Array.from({ length: perFrame }, () => ({ topic: `/junk/${Buffer.from(randomBytes(12)).toString('hex')}`, subscribe: true }))
    sent += sendRaw(attacker, { subscriptions }, [target.peerId.toString()]).length
  }
  return sent
}

/** Connects to `target` and waits (up to 10 s) until gossipsub has a stream to write to it. */
async function connectPubsub (attacker: P2PNode, target: P2PNode): Promise<void> {
  await attacker.libp2p.dial(target.peerId)
  const pubsub: any = attacker.libp2p.services.pubsub
  const deadline = Date.now() + 10_000
  while (!pubsub.streamsOutbound.has(target.peerId.toString()) && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** Opens `count` status streams to `target` at once; counts those the target answered. */
export async function floodStreams (attacker: P2PNode, target: P2PNode, count: number): Promise<number> {
  const connection = await attacker.libp2p.dial(target.peerId)
  const answered = await Promise.all(Array.from({ length: count }, async () => {
    try {
      const stream = await connection.newStream('/p2p-node/status/1.0.0', { signal: AbortSignal.timeout(5_000) })
      return await pipe([new Uint8Array()], (source) => lp.encode(source), stream, (source) => lp.decode(source), async (source) => {
        for await (const _ of source) return 1
        return 0
      })
    } catch {
      return 0
    }
  }))
  return answered.reduce<number>((a, b) => a + b, 0)
}

v8.setFlagsFromString('--expose-gc')
const collectGarbage: () => void = runInNewContext('gc')

/** How many topics `node`'s gossipsub tracks, and the worker's heap after a full garbage collection. */
export function footprint (node: P2PNode): { topics: number, heapUsed: number } {
  const pubsub: any = node.libp2p.services.pubsub
  collectGarbage()
  return { topics: pubsub.topics.size, heapUsed: process.memoryUsage().heapUsed }
}

/**
 * Peer exchange both ways between a stranger and a member: the stranger asks (describing itself), then the member
 * asks the stranger (whose answer names itself). Resolves with the number of peers the member took from its answer.
 */
export async function exchangePeers (stranger: P2PNode, member: P2PNode): Promise<number> {
  await stranger.libp2p.services.peerExchange.exchange(member.peerId)
  return (await member.libp2p.services.peerExchange.exchange(stranger.peerId)).added
}
