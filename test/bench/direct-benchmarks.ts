/**
 * Direct messages between two nodes in this process, through our API (one reused stream per peer, acknowledged
 * frames), beside a raw TCP echo on one connection; then the libp2p default this design replaced (a new stream per
 * message); then a fresh node's dial plus first message beside `net.connect` plus echo.
 */
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import { randomBytes } from '@libp2p/crypto'
import { createNode, type NodeInit, type P2PNode } from '../../dist/index.js'
import { DirectMessage, DirectMessageAck } from '../../dist/internal.js'
import { percentile } from '../../dist/swarm/stats.js'
import { RawEchoPair, rawConnectAndEcho } from './raw.ts'
import { Sandwich, type Bench, type Result } from './results.ts'

/**
 * The default limits (100 direct messages and 50 new streams of a protocol per second per peer) guard a node against
 * one flooding peer; a benchmark of one pair measures the path, so the pair's limits are raised. Verification is
 * unchanged.
 */
const PAIR_OPTIONS: NodeInit = { rateLimits: { directPerSecond: 1_000_000, requestsPerSecond: 1_000_000 } }

/** A bootstrap and two members that know each other. */
async function pair (): Promise<{ nodes: P2PNode[], a: P2PNode, b: P2PNode }> {
  const bootstrap = await createNode({ ...PAIR_OPTIONS, role: 'bootstrap' })
  const a = await createNode({ ...PAIR_OPTIONS, name: 'bench-a', bootstrap: bootstrap.multiaddrs })
  const b = await createNode({ ...PAIR_OPTIONS, name: 'bench-b', bootstrap: bootstrap.multiaddrs })
  const nodes = [bootstrap, a, b]
  const deadline = Date.now() + 30_000
  while (!(a.members().some(m => m.name === 'bench-b' && m.state === 'alive') && b.members().some(m => m.name === 'bench-a' && m.state === 'alive'))) {
    if (Date.now() > deadline) throw new Error('the pair did not see each other within 30 s')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return { nodes, a, b }
}

/** `count` sends of `bytes` from a to b, at most `inFlight` at once: messages per second and each one's latency. */
async function sendMany (send: () => Promise<unknown>, count: number, inFlight: number): Promise<{ perSecond: number, latencies: number[] }> {
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next++ < count) {
      const sent = performance.now()
      await send()
      latencies.push(performance.now() - sent)
    }
  }))
  return { perSecond: count / ((performance.now() - started) / 1000), latencies }
}

/** One message on a new stream, the libp2p default for request/response: protocol negotiation every time. */
async function onNewStream (from: P2PNode, to: P2PNode, payload: Uint8Array): Promise<void> {
  const stream = await from.libp2p.dialProtocol(to.peerId, '/p2p-node/message/1.0.0')
  const frame = DirectMessage.encode({ id: randomBytes(16), payload, senderName: from.name, sentAt: Date.now() })
  await pipe([frame], (source) => lp.encode(source), stream, (source) => lp.decode(source), async (source) => {
    for await (const reply of source) {
      if (DirectMessageAck.decode(reply.subarray()).status !== DirectMessageAck.Status.OK) throw new Error('refused')
      await stream.close()
      return
    }
    throw new Error('no acknowledgement')
  })
}

export async function directMessages (bench: Bench, count: number): Promise<Result[]> {
  const results: Result[] = []
  const { nodes, a, b } = await pair()
  const echo = await RawEchoPair.create()
  try {
    await a.send(b.peerId, 'warm-up') // opens the connection and the stream
    for (const bytes of [128, 4096]) {
      const payload = new Uint8Array(bytes)
      for (const inFlight of [1, 16]) {
        bench.progress(`direct messages: ${bytes} B, ${inFlight} in flight`, true)
        const rate = new Sandwich(`direct ${bytes} B, ${inFlight} in flight`, 'msg/s', 'higher', 'acknowledged messages per second between two nodes; raw: a TCP echo on one connection')
        const latency = new Sandwich(`direct ${bytes} B, ${inFlight} in flight (median latency)`, 'ms', 'lower', 'from send() until the acknowledgement')
        for (let repeat = 0; repeat < bench.repeats; repeat++) {
          for (const side of ['baseline', 'ours', 'baseline'] as const) {
            const run = side === 'baseline'
              ? await echo.run({ bytes, inFlight, count })
              : await sendMany(async () => a.send(b.peerId, payload), count, inFlight)
            rate[side].push(run.perSecond)
            latency[side].push(percentile([...run.latencies].sort((x, y) => x - y), 50))
          }
        }
        results.push(rate.result(), latency.result())
      }
    }
    bench.progress('direct messages: a new stream per message', true)
    const perStream = new Sandwich('direct 128 B, new stream per message (libp2p default)', 'msg/s', 'higher', 'what reusing one stream per peer replaced: a stream, and its protocol negotiation, per message; raw: TCP echo')
    const payload = new Uint8Array(128)
    for (let repeat = 0; repeat < bench.repeats; repeat++) {
      perStream.baseline.push((await echo.run({ bytes: 128, inFlight: 1, count })).perSecond)
      perStream.ours.push((await sendMany(async () => { await onNewStream(a, b, payload) }, Math.ceil(count / 4), 1)).perSecond)
      perStream.baseline.push((await echo.run({ bytes: 128, inFlight: 1, count })).perSecond)
    }
    results.push(perStream.result())
  } finally {
    await echo.close()
    await Promise.all(nodes.map(async node => node.stop()))
  }
  return results
}

/** A fresh node joins; its first direct message to a member it has no connection to: dial, Noise, yamux, the sender check, the ack. */
export async function connectAndFirstMessage (bench: Bench, trials: number): Promise<Result[]> {
  const first = new Sandwich('connect + first direct message', 'ms', 'lower', 'a node just started sends to a member it has no connection to, until the acknowledgement; raw: net.connect, 128 B, echo')
  const { nodes, b } = await pair()
  const bootstrap = nodes[0]
  try {
    bench.progress(`connect + first message: ${trials} fresh nodes`, true)
    for (let i = 0; i < trials; i++) {
      first.baseline.push(...await rawConnectAndEcho(1))
      const fresh = await createNode({ ...PAIR_OPTIONS, name: `fresh-${i}`, bootstrap: bootstrap.multiaddrs })
      try {
        // its address, as a user would have it from a member list, so that the dial is all that is timed
        await fresh.libp2p.peerStore.merge(b.peerId, { multiaddrs: b.libp2p.getMultiaddrs() })
        if (fresh.libp2p.getConnections(b.peerId).length === 0) {
          const started = performance.now()
          await fresh.send(b.peerId, new Uint8Array(128))
          first.ours.push(performance.now() - started)
        }
      } finally {
        await fresh.stop()
      }
      first.baseline.push(...await rawConnectAndEcho(1))
    }
  } finally {
    await Promise.all(nodes.map(async node => node.stop()))
  }
  return [first.result()]
}
