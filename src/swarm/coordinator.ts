/**
 * The swarm harness: a bootstrap and N peer nodes in host processes, joined and converged, then the Flask seed's
 * messaging patterns through the real P2P paths, every delivery timed at its receiver. With churn, a share of the
 * nodes is killed (SIGKILL) halfway, and the patterns run again among the survivors.
 */
import { availableParallelism } from 'node:os'
import { Cluster, deal, inWindows } from './cluster.js'
import { DEFAULTS } from '../config.js'
import { MIN_PAYLOAD_BYTES, type NodeOptions } from './host-protocol.js'
import { planRound, type Pattern, type PlannedMessage } from './patterns.js'
import { SeededRandom } from './seeded-random.js'
import { summarize, type LatencySummary } from './stats.js'
import { messageOf } from '../errors.js'

export interface SwarmOptions {
  /** Peer nodes, besides the bootstrap. */
  nodes: number
  patterns: Pattern[]
  /** Payload size of every message, in bytes (at least MIN_PAYLOAD_BYTES). */
  messageBytes: number
  /** Rounds of each pattern (in each phase, with churn). */
  rounds: number
  /** Share of the peer nodes killed halfway (0 to 0.5). */
  churn: number
  seed: number
  /** Host processes for the peer nodes. Default: one per node up to 32 nodes, else one per core, at least N/250. */
  processes?: number
  /**
   * Every node's heartbeat, ping, peer exchange and request intervals multiplied by this: a machine running more
   * nodes than it has CPU for at the default pace still runs them, slowly. Default: defaultTimingScale(nodes).
   */
  timingScale?: number
  /** How long the network may take to join and converge, in ms. Default: 60 s plus 300 ms per node. */
  convergeTimeout?: number
  /**
   * How long deliveries may take after the last send of a pattern, in ms. Default: 15 s, times the timing scale up
   * to x5, as gossipsub's heartbeat: a broadcast copy a mesh missed comes by gossip, a few heartbeats later.
   */
  settleTimeout?: number
  /** Where progress goes; `done` is true for a step's last line. */
  progress?: (line: string, done: boolean) => void
  /** Aborting stops the run and every process. */
  signal?: AbortSignal
}

export type Phase = 'steady' | 'after churn'

export interface PatternResult {
  pattern: Pattern
  phase: Phase
  /** Messages sent: a broadcast counts once. */
  messages: number
  /** Sends the sending node was told failed. */
  failed: number
  /** Why they failed: each error message, with how many sends it failed. */
  errors: Record<string, number>
  /** Deliveries expected: one per direct message, one per other live peer node per broadcast. */
  expected: number
  delivered: number
  /** Nodes that missed a delivery they were expected to get (each once, lowest first, at most MISSING_LISTED). */
  missedBy: number[]
  /**
   * Of the missed deliveries, those that arrived later, while the run went on (not counted as delivered): a late one
   * is a slow network, a missing one a loss.
   */
  late: number
  /**
   * Messages the receiving nodes refused while the pattern ran (a broadcast is refused by each node that refuses
   * it, and not passed on), by kind and reason, numbers in the reason folded to N.
   */
  refused: Record<string, number>
  duplicates: number
  /** delivered / expected. */
  ratio: number
  /** From the send call to the receiver's message event, over every delivery. */
  latencyMs: LatencySummary
  durationMs: number
}

export interface SwarmReport {
  nodes: number
  processes: number
  timingScale: number
  seed: number
  messageBytes: number
  rounds: number
  churn: number
  /** Peer nodes killed halfway. */
  killed: number[]
  timingsMs: {
    /** Host processes started. */
    spawn: number
    /** Every node created and in the broadcast mesh. */
    join: number
    /** Every node sees every member. */
    converge: number
    /** After the kill, until every survivor's view had dropped every killed node. */
    deathsNoticed?: number
    total: number
  }
  results: PatternResult[]
  /** Every pattern delivered everything, and the network converged. */
  ok: boolean
  error?: string
}

/** Messages in flight across the swarm at once. */
const SEND_WINDOW = 64
/**
 * Nodes joining at once: each costs a few Noise handshakes of CPU, and waits for gossipsub's heartbeat to graft it,
 * which a big swarm's timing scale slows down: more join at once there.
 */
function joinWindow (nodes: number): number {
  return Math.max(16, Math.ceil(nodes / 20))
}
const DEATH_NOTICE_TIMEOUT = 60_000
/** Nodes listed as having missed deliveries, per pattern: enough to see whether they share a host process. */
const MISSING_LISTED = 1000

interface Tracker {
  result: PatternResult
  expected: Set<number>
  received: Set<number>
  latencies: number[]
  failed: boolean
  /** Its pattern's results are in: a delivery now is late. */
  closed: boolean
}

/**
 * Up to 200 nodes the default pace; beyond, slower, so that idle nodes leave the CPU to joins and messages: N/50, and
 * past 500 nodes N²/25,000. The curve is fitted to runs, not to a load model: heartbeats are already stretched to
 * their 1 h cap there, so the scale slows pings and deadlines (docs/decisions/swarm-timing-scale.md).
 */
export function defaultTimingScale (nodes: number): number {
  if (nodes <= 200) return 1
  return Math.min(100, Math.ceil(Math.max(nodes / 50, nodes * nodes / 25_000)))
}

/** The node options of a swarm run at `scale` times the default pace. */
export function scaledTiming (scale: number): NodeOptions {
  if (scale === 1) return {}
  return {
    heartbeatInterval: DEFAULTS.heartbeatInterval * scale,
    pingInterval: DEFAULTS.pingInterval * scale,
    // a joining node is ready once gossipsub grafts it, at gossipsub's next heartbeat: slower than every 5 s, joins crawl
    gossipHeartbeatInterval: DEFAULTS.gossipHeartbeatInterval * Math.min(scale, 5),
    // a node that missed a member finds out at its peer exchanges with a bootstrap (see ConnectionKeeper.isBehind)
    peerExchangeInterval: DEFAULTS.peerExchangeInterval * Math.min(scale, 5),
    // The replay window stays: a node counts a member as settled (known to all who will hear of it) once it has known
    // it for twice the window, and pages through a bootstrap's view when that knows more settled members than it
    // knows, so a longer window leaves views a few members short for longer (docs/decisions/swarm-timing-scale.md).
    // Direct messages slower than the window are refused. A node takes requests of up to 10 min: past x60
    // (3,000 nodes), no slower.
    requestTimeout: DEFAULTS.requestTimeout * Math.min(scale, 60)
  }
}

/**
 * One process per node up to 32 nodes; beyond, one per core, and more once a process would hold over 250 nodes (a
 * process's heap is limited to about 4 GB). Every process more is an event loop and a heap more on the same cores,
 * which only adds switching and upkeep (docs/decisions/host-processes-per-core.md).
 */
function defaultProcesses (nodes: number): number {
  return nodes <= 32 ? nodes : Math.max(availableParallelism(), Math.ceil(nodes / 250))
}

/**
 * Peer nodes dealt over `processes` host processes; the nodes to be killed get processes of their own, so that
 * killing those processes kills them alone.
 */
export function layout (nodes: number, processes: number, victims: ReadonlySet<number>): number[][] {
  const all = Array.from({ length: nodes }, (_, i) => i + 1)
  const doomed = all.filter(i => victims.has(i))
  const spared = all.filter(i => !victims.has(i))
  const doomedProcesses = doomed.length === 0 ? 0 : Math.min(doomed.length, Math.max(1, Math.round(processes * doomed.length / nodes)))
  return [...deal(doomed, doomedProcesses), ...deal(spared, Math.max(1, processes - doomedProcesses))]
}

/** A refusal's reason with its message ids and numbers folded, so that refusals for one reason count together. */
export function foldReason (reason: string): string {
  return reason.replace(/\b[0-9a-f]{32}\b/g, 'ID').replace(/\d+/g, 'N')
}

export class SwarmRun {
  private readonly options: SwarmOptions
  private readonly random: SeededRandom
  private readonly trackers = new Map<number, Tracker>()
  private cluster?: Cluster
  private nextMessageId = 0
  private settleTimeout = 0
  /** The pattern being sent and waited for, which refusals are counted against. */
  private running?: PatternResult

  constructor (options: SwarmOptions) {
    if (options.messageBytes < MIN_PAYLOAD_BYTES) throw new RangeError(`messages must be at least ${MIN_PAYLOAD_BYTES} bytes`)
    this.options = options
    this.random = new SeededRandom(options.seed)
  }

  async run (): Promise<SwarmReport> {
    const { options } = this
    const started = performance.now()
    const peers = Array.from({ length: options.nodes }, (_, i) => i + 1)
    const victims = this.random.sample(peers, Math.round(options.churn * options.nodes)).sort((a, b) => a - b)
    const processes = Math.min(options.nodes, options.processes ?? defaultProcesses(options.nodes))
    const timingScale = options.timingScale ?? defaultTimingScale(options.nodes)
    this.settleTimeout = options.settleTimeout ?? 15_000 * Math.min(timingScale, 5)
    const cluster = new Cluster({
      nodes: options.nodes,
      layout: layout(options.nodes, processes, new Set(victims)),
      nodeOptions: scaledTiming(timingScale),
      progress: options.progress
    })
    this.cluster = cluster
    cluster.receipts((id, index, latency) => { this.onReceipt(id, index, latency) })
    cluster.refusals((_index, reason) => { this.onRefusal(reason) })
    const report: SwarmReport = {
      nodes: options.nodes,
      processes: 0,
      timingScale,
      seed: options.seed,
      messageBytes: options.messageBytes,
      rounds: options.rounds,
      churn: options.churn,
      killed: victims,
      timingsMs: { spawn: 0, join: 0, converge: 0, total: 0 },
      results: [],
      ok: false
    }
    const onAbort = (): void => { cluster.killAll() }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await cluster.spawn()
      report.processes = cluster.processes
      report.timingsMs.spawn = performance.now() - started
      await cluster.join(joinWindow(options.nodes), 60_000 * timingScale)
      report.timingsMs.join = performance.now() - started
      await cluster.waitForViews('converging', options.nodes, options.convergeTimeout ?? 60_000 + 300 * options.nodes)
      report.timingsMs.converge = performance.now() - started
      await this.runPhase('steady', report)
      if (victims.length > 0) {
        const killedAt = performance.now()
        cluster.kill(victims)
        options.progress?.(`killed ${victims.length} nodes (SIGKILL)`, true)
        const noticed = cluster.waitForViews('noticing the killed nodes', options.nodes - victims.length, DEATH_NOTICE_TIMEOUT * timingScale)
          .then(() => { report.timingsMs.deathsNoticed = performance.now() - killedAt })
        noticed.catch(() => {})
        await this.runPhase('after churn', report)
        await noticed
      }
      report.ok = report.results.every(result => result.ratio === 1 && result.failed === 0)
    } catch (err) {
      report.error = options.signal?.aborted === true ? 'interrupted' : messageOf(err)
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
      await cluster.stop()
      report.timingsMs.total = performance.now() - started
    }
    return report
  }

  private async runPhase (phase: Phase, report: SwarmReport): Promise<void> {
    for (const pattern of this.options.patterns) {
      const result = await this.runPattern(pattern, phase)
      report.results.push(result)
      this.options.progress?.(`${pattern}${phase === 'steady' ? '' : ` (${phase})`}: ${result.delivered}/${result.expected} delivered`, true)
    }
  }

  private async runPattern (pattern: Pattern, phase: Phase): Promise<PatternResult> {
    const cluster = this.cluster!
    const live = cluster.livePeers()
    const planned: PlannedMessage[] = []
    for (let round = 0; round < this.options.rounds; round++) planned.push(...planRound(pattern, live, this.random))
    const result: PatternResult = {
      pattern, phase, messages: planned.length, failed: 0, errors: {}, expected: 0, delivered: 0, missedBy: [], late: 0, refused: {}, duplicates: 0, ratio: 0, latencyMs: summarize([]), durationMs: 0
    }
    const trackers = planned.map(message => {
      const tracker: Tracker = {
        result,
        expected: new Set(message.to === 'all' ? live.filter(i => i !== message.from) : [message.to]),
        received: new Set(),
        latencies: [],
        failed: false,
        closed: false
      }
      result.expected += tracker.expected.size
      const id = this.nextMessageId++
      this.trackers.set(id, tracker)
      return { id, message, tracker }
    })
    const started = performance.now()
    this.running = result
    await inWindows(trackers, SEND_WINDOW, async ({ id, message, tracker }) => {
      try {
        await cluster.send(message.from, message.to, id, this.options.messageBytes)
      } catch (err) {
        tracker.failed = true
        result.failed++
        result.errors[messageOf(err)] = (result.errors[messageOf(err)] ?? 0) + 1
      }
    })
    const settled = performance.now() + this.settleTimeout
    while (trackers.some(({ tracker }) => !tracker.failed && tracker.received.size < tracker.expected.size) && performance.now() < settled) {
      await new Promise(resolve => setTimeout(resolve, 10))
    }
    result.durationMs = performance.now() - started
    this.running = undefined
    const latencies: number[] = []
    const missedBy = new Set<number>()
    for (const { tracker } of trackers) {
      tracker.closed = true
      result.delivered += tracker.received.size
      latencies.push(...tracker.latencies)
      for (const index of tracker.expected) {
        if (!tracker.received.has(index)) missedBy.add(index)
      }
    }
    result.missedBy = [...missedBy].sort((a, b) => a - b).slice(0, MISSING_LISTED)
    result.ratio = result.expected === 0 ? 1 : result.delivered / result.expected
    result.latencyMs = summarize(latencies)
    return result
  }

  private onRefusal (reason: string): void {
    if (this.running == null) return
    const folded = foldReason(reason)
    this.running.refused[folded] = (this.running.refused[folded] ?? 0) + 1
  }

  private onReceipt (id: number, index: number, latency: number): void {
    const tracker = this.trackers.get(id)
    if (tracker == null || !tracker.expected.has(index)) return
    if (tracker.received.has(index)) {
      tracker.result.duplicates++
      return
    }
    tracker.received.add(index)
    if (tracker.closed) {
      tracker.result.late++
      return
    }
    tracker.latencies.push(latency)
  }
}
