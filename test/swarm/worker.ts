/**
 * The worker side of the test swarm: hosts nodes and runs what the test thread asks of them. Nodes run here, not in
 * the test thread, because node:test tracks every async resource created inside a test with an async hook: libp2p
 * makes so many promises that 30 nodes under that hook fall seconds behind, and their pings time out.
 */
import { parentPort } from 'node:worker_threads'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { randomBytes } from '@libp2p/crypto'
import { createNode, type P2PNode } from '../../dist/index.js'
import { Announcement, KIND_TO_WIRE, membershipTopic, RegistryRequest, peerIdBytes, broadcastTopic, encodeBroadcast, DirectMessage, DirectMessageAck } from '../../dist/internal.js'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import * as attacks from './attacks.ts'
import type { Request, Snapshot } from './index.ts'

const nodes = new Map<string, P2PNode>()
let nextKey = 0
const EVENTS = ['message', 'message:rejected', 'member:join', 'member:leave', 'member:dead', 'member:suspect', 'shutdown', 'refused', 'ready', 'peer:banned'] as const

/** Values made cloneable: peer ids as strings, errors as their name, message and reason. */
function plain (value: any): any {
  if (value == null || typeof value !== 'object' || value instanceof Uint8Array) return value
  if (typeof value.toMultihash === 'function' || typeof value.protoCodes === 'function') return value.toString() // peer ids, multiaddrs
  if (value instanceof Error) return { name: value.name, message: value.message, reason: (value as any).reason }
  if (Array.isArray(value)) return value.map(plain)
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
}

function node (key: string): P2PNode {
  const found = nodes.get(key)
  if (found == null) throw new Error(`no node ${key}`)
  return found
}

async function handle (request: Request): Promise<unknown> {
  switch (request.op) {
    case 'create': {
      const { privateKey, ...init } = request.init
      const created = await createNode({ ...init, ...(privateKey != null ? { privateKey: privateKeyFromProtobuf(privateKey) } : {}) })
      const key = String(nextKey++)
      nodes.set(key, created)
      for (const type of EVENTS) {
        created.addEventListener(type, (evt: any) => {
          parentPort!.postMessage({ event: true, key, type, detail: plain(evt.detail), at: Date.now() })
        })
      }
      return { key, peerId: created.peerId.toString(), name: created.name, role: created.role, multiaddrs: created.multiaddrs, httpUrl: created.httpUrl }
    }
    case 'call': {
      const target: any = node(request.key)
      return plain(await target[request.method](...request.args))
    }
    case 'snapshot':
      return [...nodes.entries()].map(([key, n]): Snapshot => ({
        key,
        name: n.name,
        started: n.isStarted,
        size: n.isStarted ? n.networkStatus().size.size : 0,
        rejected: n.networkStatus().messages.rejectedAnnouncements,
        peerConnections: n.isStarted ? n.peerConnections() : 0,
        meshPeers: n.isStarted ? n.meshPeers() : 0,
        states: Object.fromEntries(n.members().map(m => [m.name, m.state])),
        bans: n.networkStatus().bans,
        connectedTo: n.isStarted ? n.libp2p.getPeers().map(String) : []
      }))
    case 'announce': {
      // publishes an announcement of the caller's making, signed by this node's key: how a forger would
      const from = node(request.key)
      await from.libp2p.services.pubsub.publish(membershipTopic('p2p-node'), Announcement.encode({
        name: from.name,
        role: 'PEER' as any,
        addresses: [],
        nonce: randomBytes(8),
        seq: 1,
        sentAt: Date.now(),
        intervalMs: 5000,
        neighbours: [],
        ...request.fields,
        kind: KIND_TO_WIRE[request.kind],
        subject: request.subject == null ? undefined : peerIdBytes(node(request.subject).peerId)
      }))
      return undefined
    }
    case 'reportDead': {
      const reporter = node(request.key)
      const { response } = await reporter.parts.membership.protocols.registry.ask(node(request.to).peerId, {
        kind: RegistryRequest.Kind.REPORT_DEAD, name: '', role: 'UNSPECIFIED' as any, addresses: [], nonce: new Uint8Array(), subject: peerIdBytes(node(request.subject).peerId)
      })
      return response.status
    }
    case 'connections': {
      // libp2p-level facts the node's API does not give: its connected peers, and streams of a protocol to each
      const { libp2p } = node(request.key)
      return libp2p.getConnections().map(connection => ({
        peer: connection.remotePeer.toString(),
        streams: connection.streams.map(stream => stream.protocol ?? '')
      }))
    }
    case 'forgeBroadcast': {
      // a broadcast envelope of the caller's making, signed (gossipsub) with this node's own key
      const from = node(request.key)
      const result = await from.libp2p.services.pubsub.publish(broadcastTopic('p2p-node'), encodeBroadcast({
        id: request.messageId != null ? Uint8Array.from(Buffer.from(request.messageId, 'hex')) : randomBytes(16),
        payload: new TextEncoder().encode(request.text),
        senderName: request.senderName ?? from.name,
        sentAt: request.sentAt ?? Date.now()
      }))
      return result.recipients.length
    }
    case 'forgeDirect': {
      // a direct message frame of the caller's making, on a stream of this node's own: resolves with the ack's status
      const from = node(request.key)
      const stream = await from.libp2p.dialProtocol(node(request.to).peerId, '/p2p-node/message/1.0.0')
      const frame = DirectMessage.encode({
        id: request.messageId != null ? Uint8Array.from(Buffer.from(request.messageId, 'hex')) : randomBytes(16),
        payload: new TextEncoder().encode(request.text),
        senderName: request.senderName ?? from.name,
        sentAt: request.sentAt ?? Date.now()
      })
      return pipe([frame], (source) => lp.encode(source), stream, (source) => lp.decode(source), async (source) => {
        for await (const reply of source) {
          await stream.close()
          return DirectMessageAck.decode(reply.subarray()).status
        }
        return 'no ack'
      })
    }
    case 'dial':
      await node(request.key).libp2p.dial(node(request.to).libp2p.getMultiaddrs())
      return undefined
    case 'attack': {
      const attack = (attacks as Record<string, (...args: any[]) => unknown>)[request.attack]
      if (attack == null) throw new Error(`no attack ${request.attack}`)
      return plain(await attack(node(request.key), ...request.args.map((arg: any) => arg?.node != null ? node(arg.node) : arg)))
    }
    case 'stopAll':
      await Promise.all([...nodes.values()].map(async n => n.stop()))
      return undefined
  }
}

parentPort!.on('message', (request: Request) => {
  handle(request).then(
    value => { parentPort!.postMessage({ id: request.id, ok: true, value }) },
    err => { parentPort!.postMessage({ id: request.id, ok: false, error: plain(err) }) }
  )
})
