/**
 * A bootstrap and peer nodes spread over host processes, driven from this process: what the swarm harness and the
 * benchmarks are built on. Node 0 is the bootstrap, 1..N the peer nodes (named node-1..node-N).
 */
import { HostProcess } from './host-process.js'
import type { CreatedNode, Departure, NodeOptions, NodeView, Usage } from './host-protocol.js'

const POLL_INTERVAL = 500
const STOP_DEADLINE = 15_000

export interface ClusterOptions {
  /** Peer nodes, besides the bootstrap. */
  nodes: number
  /** Groups of peer nodes (indices 1..N), a host process each; the bootstrap always gets a process of its own. */
  layout: number[][]
  /** Options of every node. */
  nodeOptions?: NodeOptions
  progress?: (line: string, done: boolean) => void
}

export class Cluster {
  readonly nodes: number
  private readonly options: ClusterOptions
  private readonly hosts: HostProcess[] = []
  private readonly hostOf = new Map<number, HostProcess>()
  private readonly peerIds = new Map<number, string>()
  private readonly indexOf = new Map<string, number>()
  /** Nodes killed or gone by leave(). */
  private readonly gone = new Set<number>()
  private readonly onReceipt: Array<(messageId: number, index: number, latency: number) => void> = []
  private readonly onDeparture: Array<(departure: Departure) => void> = []
  private readonly onRefusal: Array<(index: number, reason: string) => void> = []
  private bootstrapAddrs: string[] = []

  constructor (options: ClusterOptions) {
    this.options = options
    this.nodes = options.nodes
  }

  get processes (): number {
    return this.hosts.length
  }

  /** Starts the host processes. */
  async spawn (): Promise<void> {
    for (const indices of [[0], ...this.options.layout]) {
      const host = new HostProcess(indices, {
        receipts: receipts => { for (const [id, index, latency] of receipts) for (const listener of this.onReceipt) listener(id, index, latency) },
        departures: departures => { for (const departure of departures) for (const listener of this.onDeparture) listener(departure) },
        refusals: refusals => { for (const [index, reason] of refusals) for (const listener of this.onRefusal) listener(index, reason) }
      })
      this.hosts.push(host)
      for (const index of indices) this.hostOf.set(index, host)
    }
    this.progress(`starting ${this.hosts.length} processes`, false)
    await Promise.all(this.hosts.map(async host => host.started))
    this.progress(`started ${this.hosts.length} processes`, true)
  }

  /** Creates the bootstrap, then every peer node, at most `window` joining at once; each one waits until it is in the broadcast mesh. */
  async join (window: number, readyTimeout = 60_000): Promise<void> {
    const bootstrap = await this.create(0, readyTimeout)
    this.bootstrapAddrs = bootstrap.multiaddrs
    let ready = 0
    const timer = setInterval(() => { this.progress(`joining: ${ready}/${this.nodes} nodes in the mesh`, false) }, POLL_INTERVAL)
    try {
      await inWindows(this.peerIndices(), window, async index => {
        await this.create(index, readyTimeout)
        ready++
      })
    } finally {
      clearInterval(timer)
    }
    this.progress(`joined: ${ready}/${this.nodes} nodes in the mesh`, true)
  }

  private async create (index: number, readyTimeout: number): Promise<CreatedNode> {
    const created = await this.hostOf.get(index)!.request<CreatedNode>({
      op: 'create', index, role: index === 0 ? 'bootstrap' : 'peer', bootstrap: this.bootstrapAddrs, readyTimeout, options: this.options.nodeOptions
    }).catch((err: Error) => { throw new Error(`node ${index} did not join: ${err.message}`) })
    this.peerIds.set(index, created.peerId)
    this.indexOf.set(created.peerId, index)
    return created
  }

  /** Peer nodes 1..N. */
  peerIndices (): number[] {
    return Array.from({ length: this.nodes }, (_, i) => i + 1)
  }

  /** Peer nodes neither killed nor left. */
  livePeers (): number[] {
    return this.peerIndices().filter(i => !this.gone.has(i))
  }

  peerId (index: number): string {
    return this.peerIds.get(index)!
  }

  index (peerId: string): number | undefined {
    return this.indexOf.get(peerId)
  }

  /** Calls `listener` for every swarm message a node receives; returns a function that stops it. */
  receipts (listener: (messageId: number, index: number, latency: number) => void): () => void {
    this.onReceipt.push(listener)
    return () => { this.onReceipt.splice(this.onReceipt.indexOf(listener), 1) }
  }

  /** Calls `listener` whenever a node sees a member leave or die; returns a function that stops it. */
  departures (listener: (departure: Departure) => void): () => void {
    this.onDeparture.push(listener)
    return () => { this.onDeparture.splice(this.onDeparture.indexOf(listener), 1) }
  }

  /** Calls `listener` whenever a node refuses a message (broadcast or direct); returns a function that stops it. */
  refusals (listener: (index: number, reason: string) => void): () => void {
    this.onRefusal.push(listener)
    return () => { this.onRefusal.splice(this.onRefusal.indexOf(listener), 1) }
  }

  /** Node `from` sends swarm message `messageId` to node `to`, or broadcasts it; resolves once sent (acknowledged, for a direct message). */
  async send (from: number, to: number | 'all', messageId: number, bytes: number): Promise<void> {
    await this.hostOf.get(from)!.request({ op: 'send', from, to: to === 'all' ? undefined : this.peerId(to), messageId, bytes })
  }

  async leave (index: number): Promise<void> {
    await this.hostOf.get(index)!.request({ op: 'leave', index })
    this.gone.add(index)
  }

  /** SIGKILLs the processes of these nodes: a crash of every node they run. */
  kill (indices: number[]): void {
    for (const index of indices) {
      this.gone.add(index)
      this.hostOf.get(index)!.kill()
    }
  }

  private liveHosts (): HostProcess[] {
    return this.hosts.filter(host => host.indices.some(i => !this.gone.has(i)))
  }

  async views (): Promise<NodeView[]> {
    return (await Promise.all(this.liveHosts().map(async host => host.request<NodeView[]>({ op: 'views' })))).flat()
  }

  /** The network's edges: each live node's connections, by node index. */
  async edges (): Promise<Array<[number, number]>> {
    const lists = (await Promise.all(this.liveHosts().map(async host => host.request<Array<{ index: number, peers: string[] }>>({ op: 'connections' })))).flat()
    const edges = new Map<string, [number, number]>()
    for (const { index, peers } of lists) {
      for (const peer of peers) {
        const other = this.indexOf.get(peer)
        if (other == null) continue
        const edge: [number, number] = index < other ? [index, other] : [other, index]
        edges.set(edge.join('-'), edge)
      }
    }
    return [...edges.values()]
  }

  /** Memory and CPU time of every host process. */
  async usage (): Promise<Usage[]> {
    return Promise.all(this.liveHosts().map(async host => host.request<Usage>({ op: 'usage' })))
  }

  /**
   * Polls every live node's view until each one holds `others` live members (the bootstrap counted) and every peer
   * node has mesh peers.
   */
  async waitForViews (label: string, others: number, timeout: number): Promise<void> {
    const deadline = performance.now() + timeout
    for (;;) {
      const views = await this.views()
      const done = views.filter(view => view.live === others && (view.index === 0 || view.meshPeers > 0)).length
      const seen = views.map(view => view.live + 1)
      const line = `${label}: ${done}/${views.length} nodes see all ${others + 1} members (each sees ${Math.min(...seen)} to ${Math.max(...seen)})`
      if (done === views.length) {
        this.progress(line, true)
        return
      }
      if (performance.now() > deadline) {
        throw new Error(`${line} after ${Math.round(timeout / 1000)} s`)
      }
      this.progress(line, false)
      await new Promise(resolve => setTimeout(resolve, POLL_INTERVAL))
    }
  }

  /** Every process stopped: gracefully, then killed past the deadline. */
  async stop (): Promise<void> {
    await Promise.all(this.hosts.map(async host => host.stop(STOP_DEADLINE)))
  }

  /** Every process killed at once, for an interrupt. */
  killAll (): void {
    for (const host of this.hosts) host.kill()
  }

  private progress (line: string, done: boolean): void {
    this.options.progress?.(line, done)
  }
}

/** `items` dealt round-robin into `count` groups. */
export function deal<T> (items: T[], count: number): T[][] {
  const groups: T[][] = Array.from({ length: count }, () => [])
  items.forEach((item, i) => groups[i % count].push(item))
  return groups.filter(group => group.length > 0)
}

/** Runs `fn` over `items`, at most `window` at once. */
export async function inWindows<T> (items: readonly T[], window: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}
