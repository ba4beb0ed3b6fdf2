/**
 * The swarm harness: a bootstrap and N peer nodes in host processes, joined and converged, then the Flask seed's
 * messaging patterns through the real P2P paths, every delivery timed at its receiver. With churn, a share of the
 * nodes is killed (SIGKILL) halfway, and the patterns run again among the survivors.
 */
import { HostProcess } from './host-process.js'
import { MIN_PAYLOAD_BYTES, type CreatedNode, type NodeView } from './host-protocol.js'
import { planRound, type Pattern, type PlannedMessage } from './patterns.js'
import { SeededRandom } from './seeded-random.js'
import { summarize, type LatencySummary } from './stats.js'

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
  /** Host processes for the peer nodes. Default: one per node up to 32 nodes, else one per 125 nodes (at least 4). */
  processes?: number
  /** How long the network may take to join and converge, in ms. Default: 60 s plus 300 ms per node. */
  convergeTimeout?: number
  /** How long deliveries may take after the last send of a pattern, in ms. */
  settleTimeout: number
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
  /** Deliveries expected: one per direct message, one per other live peer node per broadcast. */
  expected: number
  delivered: number
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
/** Nodes joining at once: each costs a few Noise handshakes of CPU. */
const JOIN_WINDOW = 16
const POLL_INTERVAL = 500
const STOP_DEADLINE = 15_000
const DEATH_NOTICE_TIMEOUT = 60_000

interface Tracker {
  result: PatternResult
  expected: Set<number>
  received: Set<number>
  latencies: number[]
  failed: boolean
}

export function defaultProcesses (nodes: number): number {
  return nodes <= 32 ? nodes : Math.max(4, Math.ceil(nodes / 125))
}

export class SwarmRun {
  private readonly options: SwarmOptions
  private readonly random: SeededRandom
  private readonly hosts: HostProcess[] = []
  private readonly hostOf = new Map<number, HostProcess>()
  private readonly peerIds = new Map<number, string>()
  private readonly trackers = new Map<number, Tracker>()
  private readonly killed = new Set<number>()
  private nextMessageId = 0

  constructor (options: SwarmOptions) {
    if (options.messageBytes < MIN_PAYLOAD_BYTES) throw new RangeError(`messages must be at least ${MIN_PAYLOAD_BYTES} bytes`)
    this.options = options
    this.random = new SeededRandom(options.seed)
  }

  async run (): Promise<SwarmReport> {
    const { options } = this
    const started = performance.now()
    const victims = this.random.sample(this.peerIndices(), Math.round(options.churn * options.nodes)).sort((a, b) => a - b)
    const report: SwarmReport = {
      nodes: options.nodes,
      processes: 0,
      seed: options.seed,
      messageBytes: options.messageBytes,
      rounds: options.rounds,
      churn: options.churn,
      killed: victims,
      timingsMs: { spawn: 0, join: 0, converge: 0, total: 0 },
      results: [],
      ok: false
    }
    const onAbort = (): void => { for (const host of this.hosts) host.kill() }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await this.spawn(new Set(victims))
      report.processes = this.hosts.length
      report.timingsMs.spawn = performance.now() - started
      await this.join()
      report.timingsMs.join = performance.now() - started
      await this.waitForViews('converging', () => options.nodes, options.convergeTimeout ?? 60_000 + 300 * options.nodes)
      report.timingsMs.converge = performance.now() - started
      await this.runPhase('steady', report)
      if (victims.length > 0) {
        const killedAt = performance.now()
        this.kill(victims)
        const noticed = this.waitForViews('noticing the killed nodes', () => options.nodes - victims.length, DEATH_NOTICE_TIMEOUT)
          .then(() => { report.timingsMs.deathsNoticed = performance.now() - killedAt })
        noticed.catch(() => {})
        await this.runPhase('after churn', report)
        await noticed
      }
      report.ok = report.results.every(result => result.ratio === 1 && result.failed === 0)
    } catch (err: any) {
      report.error = options.signal?.aborted === true ? 'interrupted' : err.message
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
      await this.stop()
      report.timingsMs.total = performance.now() - started
    }
    return report
  }

  /** Every process this run started, stopped: gracefully, then killed past the deadline. */
  async stop (): Promise<void> {
    await Promise.all(this.hosts.map(async host => host.stop(STOP_DEADLINE)))
  }

  private peerIndices (): number[] {
    return Array.from({ length: this.options.nodes }, (_, i) => i + 1)
  }

  /** The bootstrap's own process, then peer nodes spread over the rest; the nodes to be killed get processes of their own. */
  private async spawn (victims: Set<number>): Promise<void> {
    const { nodes } = this.options
    const processes = Math.min(nodes, this.options.processes ?? defaultProcesses(nodes))
    const doomed = this.peerIndices().filter(i => victims.has(i))
    const spared = this.peerIndices().filter(i => !victims.has(i))
    const doomedProcesses = doomed.length === 0 ? 0 : Math.min(doomed.length, Math.max(1, Math.round(processes * doomed.length / nodes)))
    const groups = [[0], ...deal(doomed, doomedProcesses), ...deal(spared, Math.max(1, processes - doomedProcesses))]
    for (const indices of groups) {
      const host = new HostProcess(indices, receipts => { this.onReceipts(receipts) })
      this.hosts.push(host)
      for (const index of indices) this.hostOf.set(index, host)
    }
    this.progress(`starting ${this.hosts.length} processes`, false)
    await Promise.all(this.hosts.map(async host => host.started))
    this.progress(`started ${this.hosts.length} processes`, true)
  }

  private async join (): Promise<void> {
    const readyTimeout = 60_000
    const bootstrap = await this.create(0, 'bootstrap', [], readyTimeout)
    let ready = 0
    const timer = setInterval(() => { this.progress(`joining: ${ready}/${this.options.nodes} nodes in the mesh`, false) }, POLL_INTERVAL)
    try {
      await inWindows(this.peerIndices(), JOIN_WINDOW, async index => {
        await this.create(index, 'peer', bootstrap.multiaddrs, readyTimeout)
        ready++
      })
    } finally {
      clearInterval(timer)
    }
    this.progress(`joined: ${ready}/${this.options.nodes} nodes in the mesh`, true)
  }

  private async create (index: number, role: 'bootstrap' | 'peer', bootstrap: string[], readyTimeout: number): Promise<CreatedNode> {
    const created = await this.hostOf.get(index)!.request<CreatedNode>({ op: 'create', index, role, bootstrap, readyTimeout })
      .catch((err: Error) => { throw new Error(`node ${index} did not join: ${err.message}`) })
    this.peerIds.set(index, created.peerId)
    return created
  }

  /**
   * Polls every live node's view until each one holds `others()` live members (the bootstrap counted) and every
   * peer node has mesh peers.
   */
  private async waitForViews (label: string, others: () => number, timeout: number): Promise<void> {
    const deadline = performance.now() + timeout
    for (;;) {
      const views = (await Promise.all(this.hosts.filter(host => host.indices.some(i => !this.killed.has(i))).map(async host => host.request<NodeView[]>({ op: 'views' })))).flat()
      const done = views.filter(view => view.live === others() && (view.index === 0 || view.meshPeers > 0)).length
      const line = `${label}: ${done}/${views.length} nodes see all ${others() + 1} members`
      if (done === views.length) {
        this.progress(line, true)
        return
      }
      if (performance.now() > deadline) {
        const worst = views.reduce((a, b) => Math.abs(a.live - others()) >= Math.abs(b.live - others()) ? a : b)
        throw new Error(`${line} after ${Math.round(timeout / 1000)} s (node ${worst.index} sees ${worst.live + 1}, with ${worst.meshPeers} mesh peers)`)
      }
      this.progress(line, false)
      await new Promise(resolve => setTimeout(resolve, POLL_INTERVAL))
    }
  }

  private async runPhase (phase: Phase, report: SwarmReport): Promise<void> {
    for (const pattern of this.options.patterns) {
      const result = await this.runPattern(pattern, phase)
      report.results.push(result)
      this.progress(`${pattern}${phase === 'steady' ? '' : ` (${phase})`}: ${result.delivered}/${result.expected} delivered`, true)
    }
  }

  private async runPattern (pattern: Pattern, phase: Phase): Promise<PatternResult> {
    const live = this.peerIndices().filter(i => !this.killed.has(i))
    const planned: PlannedMessage[] = []
    for (let round = 0; round < this.options.rounds; round++) planned.push(...planRound(pattern, live, this.random))
    const result: PatternResult = {
      pattern, phase, messages: planned.length, failed: 0, expected: 0, delivered: 0, duplicates: 0, ratio: 0, latencyMs: summarize([]), durationMs: 0
    }
    const trackers = planned.map(message => {
      const tracker: Tracker = {
        result,
        expected: new Set(message.to === 'all' ? live.filter(i => i !== message.from) : [message.to]),
        received: new Set(),
        latencies: [],
        failed: false
      }
      result.expected += tracker.expected.size
      const id = this.nextMessageId++
      this.trackers.set(id, tracker)
      return { id, message, tracker }
    })
    const started = performance.now()
    await inWindows(trackers, SEND_WINDOW, async ({ id, message, tracker }) => {
      const to = message.to === 'all' ? undefined : this.peerIds.get(message.to)
      try {
        await this.hostOf.get(message.from)!.request({ op: 'send', from: message.from, to, messageId: id, bytes: this.options.messageBytes })
      } catch {
        tracker.failed = true
        result.failed++
      }
    })
    const settled = performance.now() + this.options.settleTimeout
    while (trackers.some(({ tracker }) => !tracker.failed && tracker.received.size < tracker.expected.size) && performance.now() < settled) {
      await new Promise(resolve => setTimeout(resolve, 10))
    }
    result.durationMs = performance.now() - started
    const latencies: number[] = []
    for (const { id, tracker } of trackers) {
      this.trackers.delete(id)
      result.delivered += tracker.received.size
      latencies.push(...tracker.latencies)
    }
    result.ratio = result.expected === 0 ? 1 : result.delivered / result.expected
    result.latencyMs = summarize(latencies)
    return result
  }

  private onReceipts (receipts: Array<[number, number, number]>): void {
    for (const [id, index, latency] of receipts) {
      const tracker = this.trackers.get(id)
      if (tracker == null || !tracker.expected.has(index)) continue
      if (tracker.received.has(index)) {
        tracker.result.duplicates++
        continue
      }
      tracker.received.add(index)
      tracker.latencies.push(latency)
    }
  }

  private kill (victims: number[]): void {
    for (const index of victims) {
      this.killed.add(index)
      this.hostOf.get(index)!.kill()
    }
    this.progress(`killed ${victims.length} nodes (SIGKILL)`, true)
  }

  private progress (line: string, done: boolean): void {
    this.options.progress?.(line, done)
  }
}

/** `items` dealt round-robin into `count` groups. */
function deal<T> (items: T[], count: number): T[][] {
  const groups: T[][] = Array.from({ length: count }, () => [])
  items.forEach((item, i) => groups[i % count].push(item))
  return groups.filter(group => group.length > 0)
}

/** Runs `fn` over `items`, at most `window` at once. */
async function inWindows<T> (items: readonly T[], window: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}
