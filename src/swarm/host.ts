/**
 * A swarm host: a child process of the coordinator running one or many nodes. It creates nodes, sends messages
 * for them when asked, and reports every swarm message its nodes receive. It never outlives the coordinator.
 */
import { useSmallBufferPool } from '../tuning/buffer-pool.js'
import { createNode, type P2PNode } from '../index.js'
import { decodePayload, encodePayload, now, type Departure, type HostReply, type HostRequest, type NodeView, type Refusal, type Usage } from './host-protocol.js'

/** Receipts are sent in batches, at most this long after the first one. */
const FLUSH_MS = 20
const STOP_DEADLINE = 10_000

useSmallBufferPool()

const nodes = new Map<number, P2PNode>()
let receipts: Array<[number, number, number]> = []
let departures: Departure[] = []
let refusals: Refusal[] = []
let flushTimer: NodeJS.Timeout | undefined

function reply (message: HostReply): void {
  process.send?.(message)
}

function flushSoon (): void {
  flushTimer ??= setTimeout(() => {
    flushTimer = undefined
    if (receipts.length > 0) reply({ type: 'receipts', receipts })
    if (departures.length > 0) reply({ type: 'departures', departures })
    if (refusals.length > 0) reply({ type: 'refusals', refusals })
    receipts = []
    departures = []
    refusals = []
  }, FLUSH_MS)
}

function node (index: number): P2PNode {
  const found = nodes.get(index)
  if (found == null) throw new Error(`node ${index} is not on this host`)
  return found
}

/** What a node outside the mesh can tell of why: whom it is connected to, and who of them could graft it. */
function whyNotReady (created: P2PNode): string {
  const status = created.networkStatus()
  const pubsub = created.libp2p.services.pubsub
  const subscribed = new Set(pubsub.getSubscribers(created.topic).map(String))
  const bootstraps = status.connections - status.peerConnections
  const peers = created.libp2p.getPeers().map(String)
  return `${status.peerConnections} peer and ${bootstraps} bootstrap connections, ` +
    `${peers.filter(peer => subscribed.has(peer)).length} connected peers subscribed, ` +
    `${peers.filter(peer => pubsub.getScore(peer) < 0).length} scored below 0, ` +
    `${status.members.alive} members alive in its view, ${status.bans.now} peers banned`
}

async function waitUntilReady (created: P2PNode, timeout: number): Promise<void> {
  if (created.isReady) return
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`not in the broadcast mesh after ${timeout} ms (${whyNotReady(created)})`)) }, timeout)
    created.addEventListener('ready', () => { clearTimeout(timer); resolve() }, { once: true })
  })
}

async function handle (request: HostRequest): Promise<unknown> {
  switch (request.op) {
    case 'create': {
      const created = await createNode({
        ...request.options,
        role: request.role,
        name: request.index === 0 ? 'bootstrap' : `node-${request.index}`,
        bootstrap: request.bootstrap
      })
      nodes.set(request.index, created)
      created.addEventListener('message', (evt) => {
        const at = now()
        const payload = decodePayload(evt.detail.text)
        if (payload == null) return
        receipts.push([payload.messageId, request.index, at - payload.sentAt])
        flushSoon()
      })
      created.addEventListener('message:rejected', (evt) => {
        refusals.push([request.index, `${evt.detail.kind}: ${evt.detail.reason}`])
        flushSoon()
      })
      for (const kind of ['leave', 'dead'] as const) {
        created.addEventListener(`member:${kind}`, (evt) => {
          departures.push([request.index, evt.detail.peerId.toString(), kind, now()])
          flushSoon()
        })
      }
      await waitUntilReady(created, request.readyTimeout)
      return { index: request.index, peerId: created.peerId.toString(), multiaddrs: created.multiaddrs }
    }
    case 'send': {
      const from = node(request.from)
      const payload = encodePayload(request.messageId, now(), request.bytes)
      if (request.to == null) {
        await from.broadcast(payload)
      } else {
        await from.send(request.to, payload)
      }
      return undefined
    }
    case 'connections':
      return [...nodes.entries()].map(([index, n]) => ({ index, peers: n.libp2p.getPeers().map(String) }))
    case 'usage': {
      const { rss, heapUsed } = process.memoryUsage()
      const { user, system } = process.cpuUsage()
      return { rss, heapUsed, cpu: user + system } satisfies Usage
    }
    case 'leave':
      await node(request.index).leave()
      return undefined
    case 'views':
      return [...nodes.entries()].map(([index, n]): NodeView => {
        const { members, meshPeers } = n.networkStatus()
        return { index, live: members.alive + members.suspect, meshPeers }
      })
  }
}

async function stopAll (): Promise<void> {
  const deadline = new Promise(resolve => setTimeout(resolve, STOP_DEADLINE).unref())
  await Promise.race([Promise.allSettled([...nodes.values()].map(async n => n.stop())), deadline])
}

process.on('message', (request: HostRequest) => {
  handle(request).then(
    value => { reply({ type: 'reply', id: request.id, ok: true, value }) },
    (err: Error) => { reply({ type: 'reply', id: request.id, ok: false, error: err.message }) }
  )
})
// the coordinator is gone (even killed): so is the reason to run
process.on('disconnect', () => { process.exit(0) })
process.on('SIGTERM', () => { void stopAll().then(() => process.exit(0)) })
reply({ type: 'ready' })
