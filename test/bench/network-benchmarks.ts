/**
 * Benchmarks of a whole network: a bootstrap and N nodes in host processes (the swarm harness's Cluster), each
 * beside raw TCP doing the same job over the same graph in this process: join, broadcast latency and throughput,
 * footprint, leave and crash.
 */
import { availableParallelism } from 'node:os'
import { Cluster, deal } from '../../dist/swarm/cluster.js'
import type { Usage } from '../../dist/swarm/host-protocol.js'
import { SeededRandom } from '../../dist/swarm/seeded-random.js'
import { percentile } from '../../dist/swarm/stats.js'
import { RawFloodNetwork, rawJoin, type Adjacency } from './raw.ts'
import { Sandwich, type Bench, type Result } from './results.ts'

/**
 * One host process per core: every process more is one more event loop, heap and scheduler slot that the same
 * nodes share the cores with. At 100 nodes on 2 cores, 2 processes against 4: broadcast median 84 ms against 101
 * (7 and 9 repeats), join 22 s against 25 s, and a quarter less CPU for the same run.
 */
const PEER_PROCESSES = availableParallelism()
const JOIN_WINDOW = 16
const BROADCAST_BYTES = 1024
/** A broadcast not everywhere by then counts its missing deliveries as lost. */
const BROADCAST_TIMEOUT = 10_000
const IDLE_WINDOW_MS = 10_000

/** The network's graph as adjacency lists over node indices 0..N (0 is the bootstrap). */
function adjacency (nodes: number, edges: Array<[number, number]>): Adjacency {
  const lists: Adjacency = Array.from({ length: nodes + 1 }, () => [])
  for (const [a, b] of edges) {
    lists[a].push(b)
    lists[b].push(a)
  }
  return lists
}

/** A cluster of `nodes` peer nodes in PEER_PROCESSES processes, plus `singles` nodes in processes of their own (to be killed). */
async function startCluster (nodes: number, bench: Bench, singles = 0): Promise<{ cluster: Cluster, joinMs: number, empty: Usage[] }> {
  const spread = Array.from({ length: nodes - singles }, (_, i) => i + 1)
  const alone = Array.from({ length: singles }, (_, i) => [nodes - singles + i + 1])
  const cluster = new Cluster({
    nodes,
    layout: [...deal(spread, Math.min(PEER_PROCESSES, spread.length)), ...alone],
    progress: bench.progress
  })
  try {
    await cluster.spawn()
    const empty = await cluster.usage()
    const started = performance.now()
    await cluster.join(JOIN_WINDOW)
    await cluster.waitForViews(`converging (${nodes} nodes)`, nodes, 60_000 + 300 * nodes)
    return { cluster, joinMs: performance.now() - started, empty }
  } catch (err) {
    await cluster.stop()
    throw err
  }
}

/** A broadcast from each publisher, one at a time: the time until every other peer node had it, and the share delivered. */
async function broadcasts (cluster: Cluster, publishers: number[]): Promise<{ allMs: number[], delivered: number, expected: number }> {
  const live = cluster.livePeers()
  const allMs: number[] = []
  let delivered = 0
  let expected = 0
  for (const [i, from] of publishers.entries()) {
    const messageId = 1_000_000 + i
    const latencies = new Map<number, number>()
    let done: () => void = () => {}
    const everywhere = new Promise<void>(resolve => { done = resolve })
    const stop = cluster.receipts((id, index, latency) => {
      if (id !== messageId || index === 0 || index === from) return
      latencies.set(index, latency)
      if (latencies.size === live.length - 1) done()
    })
    const timer = setTimeout(done, BROADCAST_TIMEOUT)
    await cluster.send(from, 'all', messageId, BROADCAST_BYTES)
    await everywhere
    clearTimeout(timer)
    stop()
    delivered += latencies.size
    expected += live.length - 1
    allMs.push(latencies.size === live.length - 1 ? Math.max(...latencies.values()) : NaN)
  }
  return { allMs, delivered, expected }
}

/** join N and broadcast latency N, for each N; footprint at the largest. */
export async function joinAndBroadcast (sizes: number[], bench: Bench): Promise<Result[]> {
  const results: Result[] = []
  for (const nodes of sizes) {
    const join = new Sandwich(`join, N=${nodes}`, 'ms', 'lower', `until every node sees all ${nodes + 1} members and has mesh peers; raw: TCP connecting the same edges, 16 dials at once`)
    const latency = new Sandwich(`broadcast 1 KiB to all, N=${nodes} (median)`, 'ms', 'lower', 'time until every other peer node has it, random publishers; raw: a flood over the same graph')
    const latencyP90 = new Sandwich(`broadcast 1 KiB to all, N=${nodes} (p90)`, 'ms', 'lower', 'as above, 90th percentile')
    const random = new SeededRandom(nodes)
    let delivery = { delivered: 0, expected: 0 }
    for (let repeat = 0; repeat < bench.repeats; repeat++) {
      const { cluster, joinMs, empty } = await startCluster(nodes, bench)
      try {
        join.ours.push(joinMs)
        const graph = adjacency(nodes, await cluster.edges())
        const raw = await rawJoin(graph, JOIN_WINDOW)
        join.baseline.push(raw.ms)
        try {
          await new Promise(resolve => setTimeout(resolve, bench.restMs))
          // baseline, ours, baseline: the raw flood runs before and after ours, from the same publishers
          const live = cluster.livePeers()
          const publishers = Array.from({ length: bench.broadcasts }, () => live[random.int(live.length)])
          const floods = async (): Promise<number[]> => {
            const times: number[] = []
            for (const from of publishers) times.push((await raw.network.flood(from, BROADCAST_BYTES)).ms)
            return times
          }
          latency.baseline.push(...await floods())
          const ours = await broadcasts(cluster, publishers)
          latency.ours.push(...ours.allMs)
          latencyP90.ours.push(percentile([...ours.allMs].sort((a, b) => a - b), 90))
          const after = await floods()
          latency.baseline.push(...after)
          latencyP90.baseline.push(percentile([...after].sort((a, b) => a - b), 90))
          delivery = { delivered: delivery.delivered + ours.delivered, expected: delivery.expected + ours.expected }
          if (repeat === 0 && nodes === Math.max(...sizes)) {
            results.push(...await footprint(cluster, empty, graph, bench))
          }
        } finally {
          await raw.network.close()
        }
      } finally {
        await cluster.stop()
      }
    }
    latency.extra = { delivery: delivery.delivered / delivery.expected, delivered: delivery.delivered, expected: delivery.expected }
    results.push(join.result(), latency.result(), latencyP90.result())
  }
  return results
}

/** RSS, heap and idle CPU per node: the host processes with their nodes less the same processes empty, against raw TCP nodes over the same graph here. */
async function footprint (cluster: Cluster, empty: Usage[], graph: Adjacency, bench: Bench): Promise<Result[]> {
  const nodes = graph.length - 1
  bench.progress(`footprint: ${IDLE_WINDOW_MS / 1000} s idle with ${nodes} nodes`, true)
  const before = await cluster.usage()
  await new Promise(resolve => setTimeout(resolve, IDLE_WINDOW_MS))
  const after = await cluster.usage()
  // the bootstrap's process is left out: per peer node
  const sum = (list: typeof after, key: 'rss' | 'heapUsed' | 'cpu'): number => list.slice(1).reduce((total, usage) => total + usage[key], 0)
  const idleCpu = (sum(after, 'cpu') - sum(before, 'cpu')) / 1000 / IDLE_WINDOW_MS / nodes * 100

  const memoryBefore = process.memoryUsage()
  const raw = await RawFloodNetwork.create(graph)
  const rawCpuStart = process.cpuUsage()
  await new Promise(resolve => setTimeout(resolve, IDLE_WINDOW_MS))
  const rawCpu = process.cpuUsage(rawCpuStart)
  const memoryAfter = process.memoryUsage()
  await raw.close()
  const mb = (bytes: number): number => bytes / 1024 / 1024
  const rss = new Sandwich(`footprint: RSS per node, ${nodes} idle nodes`, 'MB', 'lower', 'host processes with their nodes less the same processes empty; raw: a TCP node with the same connections')
  rss.ours.push(mb(sum(after, 'rss') - sum(empty, 'rss')) / nodes)
  rss.baseline.push(mb(memoryAfter.rss - memoryBefore.rss) / nodes)
  const heap = new Sandwich(`footprint: heap per node, ${nodes} idle nodes`, 'MB', 'lower', 'JavaScript heap in use')
  heap.ours.push(mb(sum(after, 'heapUsed') - sum(empty, 'heapUsed')) / nodes)
  heap.baseline.push(mb(memoryAfter.heapUsed - memoryBefore.heapUsed) / nodes)
  const cpu = new Sandwich(`footprint: idle CPU per node, ${nodes} idle nodes`, '% core', 'lower', `over ${IDLE_WINDOW_MS / 1000} s: heartbeats, pings, gossipsub upkeep`)
  cpu.ours.push(idleCpu)
  cpu.baseline.push((rawCpu.user + rawCpu.system) / 1000 / IDLE_WINDOW_MS / nodes * 100)
  return [rss.result(), heap.result(), cpu.result()]
}

/** A burst: every peer node publishes `perNode` broadcasts at once; deliveries per second until the last arrived, and loss. */
export async function broadcastBurst (nodes: number, perNode: number, bench: Bench): Promise<Result[]> {
  const throughput = new Sandwich(`broadcast burst, N=${nodes}, ${perNode} per node`, 'deliveries/s', 'higher', `every node publishes ${perNode} x 1 KiB at once; raw: the same burst flooded over the same graph`)
  const { cluster } = await startCluster(nodes, bench)
  let raw: RawFloodNetwork | undefined
  try {
    raw = await RawFloodNetwork.create(adjacency(nodes, await cluster.edges()))
    const publishers = cluster.peerIndices().flatMap(i => Array<number>(perNode).fill(i))
    const rawBurst = async (): Promise<void> => {
      const started = performance.now()
      const { deliveries } = await raw!.burst(publishers, BROADCAST_BYTES, 30_000)
      throughput.baseline.push(deliveries / ((performance.now() - started) / 1000))
    }
    await rawBurst()
    const expected = publishers.length * (nodes - 1)
    let deliveries = 0
    let last = 0
    const ids = new Set(publishers.map((_, i) => 2_000_000 + i))
    const stop = cluster.receipts((id, index) => {
      if (!ids.has(id) || index === 0) return
      deliveries++
      last = performance.now()
    })
    const started = performance.now()
    await Promise.all(publishers.map(async (from, i) => cluster.send(from, 'all', 2_000_000 + i, BROADCAST_BYTES)))
    const deadline = performance.now() + 30_000
    while (deliveries < expected && performance.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    stop()
    throughput.ours.push(deliveries / ((last - started) / 1000))
    throughput.extra = { delivered: deliveries, expected, loss: 1 - deliveries / expected }
    await rawBurst()
  } finally {
    await raw?.close()
    await cluster.stop()
  }
  return [throughput.result()]
}

/** Time until every other node's view shows a graceful leave, then a crash (SIGKILL of a node alone in its process). */
export async function leaveAndCrash (nodes: number, bench: Bench): Promise<Result[]> {
  const leave = new Sandwich(`graceful leave seen by all, N=${nodes}`, 'ms', 'lower', 'from leave() until every other node\'s view shows it left; raw: a LEAVE notice flooded before closing')
  const crash = new Sandwich(`crash seen by all, N=${nodes}`, 'ms', 'lower', 'from SIGKILL until every other node\'s view shows it dead; raw: neighbours flood DEAD when its socket closes')
  const repeats = bench.repeats
  const { cluster } = await startCluster(nodes, bench, 2 * repeats)
  let raw: RawFloodNetwork | undefined
  try {
    const graph = adjacency(nodes, await cluster.edges())
    raw = await RawFloodNetwork.create(graph)
    const singles = cluster.peerIndices().slice(-2 * repeats)
    const seenByAll = async (subject: number, kind: 'leave' | 'dead', act: () => Promise<void> | void): Promise<number> => {
      const peerId = cluster.peerId(subject)
      const observers = new Set([0, ...cluster.livePeers()].filter(i => i !== subject))
      let last = 0
      let done: () => void = () => {}
      const all = new Promise<void>(resolve => { done = resolve })
      const stop = cluster.departures(([observer, member, seen, at]) => {
        // a leave seen as a death (or the reverse) is not counted: the time then shows as missing
        if (member !== peerId || seen !== kind || !observers.has(observer)) return
        observers.delete(observer)
        last = at
        if (observers.size === 0) done()
      })
      const timer = setTimeout(done, 30_000)
      const started = performance.timeOrigin + performance.now()
      await act()
      await all
      clearTimeout(timer)
      stop()
      return observers.size === 0 ? last - started : NaN
    }
    for (let i = 0; i < repeats; i++) {
      const [leaving, crashing] = [singles[2 * i], singles[2 * i + 1]]
      leave.baseline.push(await raw.leave(leaving))
      leave.ours.push(await seenByAll(leaving, 'leave', async () => { await cluster.leave(leaving) }))
      crash.baseline.push(await raw.crash(crashing))
      crash.ours.push(await seenByAll(crashing, 'dead', () => { cluster.kill([crashing]) }))
    }
  } finally {
    await raw?.close()
    await cluster.stop()
  }
  return [leave.result(), crash.result()]
}
