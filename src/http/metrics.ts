import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, Summary } from 'prom-client'
import type { NetworkStatus } from '../public-types.js'
import type {
  CalculatedMetricOptions, CalculateMetric, Counter as LibCounter, CounterGroup, Histogram as LibHistogram, HistogramGroup,
  HistogramOptions, Metric, MetricGroup, MetricOptions, Metrics, Summary as LibSummary, SummaryGroup, SummaryOptions
} from '@libp2p/interface'

type Calculated = { calculate?: CalculateMetric<number | Record<string, number>> }
type Values = Partial<Record<string, number | true>>

/**
 * libp2p's metrics (connection manager, dialer, gossipsub, ...) kept per node, in the node's own Prometheus
 * registry. @libp2p/prometheus-metrics keeps them process-wide, so two nodes in one process would report each
 * other's figures; this is the same mapping onto prom-client, one registry per node.
 * Byte counts per stream are left out: they wrap every chunk of every stream.
 */
export class NodeMetrics implements Metrics {
  readonly registry = new Registry()
  private readonly registered = new Map<string, unknown>()

  constructor () {
    collectDefaultMetrics({ register: this.registry })
  }

  trackMultiaddrConnection (): void {}
  trackProtocolStream (): void {}
  createTrace (): undefined { return undefined }
  traceFunction<F> (_name: string, fn: F): F { return fn }

  registerMetric (name: string, options?: MetricOptions): Metric
  registerMetric (name: string, options: CalculatedMetricOptions): void
  registerMetric (name: string, options: MetricOptions & Calculated = {}): Metric | undefined {
    const gauge = this.gauge(name, options)
    return options.calculate != null
      ? undefined
      : {
          update: (value) => { gauge.set(value) },
          increment: (value = 1) => { gauge.inc(value) },
          decrement: (value = 1) => { gauge.dec(value) },
          reset: () => { gauge.set(0) },
          timer: () => gauge.startTimer()
        }
  }

  registerMetricGroup (name: string, options?: MetricOptions): MetricGroup
  registerMetricGroup (name: string, options: CalculatedMetricOptions<Record<string, number>>): void
  registerMetricGroup (name: string, options: MetricOptions & Calculated = {}): MetricGroup | undefined {
    const label = options.label ?? 'key'
    const gauge = this.gauge(name, { ...options, label })
    return options.calculate != null
      ? undefined
      : {
          update: (values: Values) => { each(values, (key, value) => { gauge.set({ [label]: key }, value) }) },
          increment: (values: Values) => { each(values, (key, value) => { gauge.inc({ [label]: key }, value) }) },
          decrement: (values: Values) => { each(values, (key, value) => { gauge.dec({ [label]: key }, value) }) },
          reset: () => { gauge.reset() },
          timer: (key: string) => gauge.startTimer({ [label]: key })
        }
  }

  registerCounter (name: string, options?: MetricOptions): LibCounter
  registerCounter (name: string, options: CalculatedMetricOptions): void
  registerCounter (name: string, options: MetricOptions & Calculated = {}): LibCounter | undefined {
    const counter = this.counter(name, options)
    return options.calculate != null
      ? undefined
      : {
          increment: (value = 1) => { counter.inc(value) },
          reset: () => { counter.reset() }
        }
  }

  registerCounterGroup (name: string, options?: MetricOptions): CounterGroup
  registerCounterGroup (name: string, options: CalculatedMetricOptions<Record<string, number>>): void
  registerCounterGroup (name: string, options: MetricOptions & Calculated = {}): CounterGroup | undefined {
    const label = options.label ?? 'key'
    const counter = this.counter(name, { ...options, label })
    return options.calculate != null
      ? undefined
      : {
          increment: (values: Values) => { each(values, (key, value) => { counter.inc({ [label]: key }, value) }) },
          reset: () => { counter.reset() }
        }
  }

  registerHistogram (name: string, options?: HistogramOptions): LibHistogram
  registerHistogram (name: string, options: HistogramOptions & Calculated): void
  registerHistogram (name: string, options: HistogramOptions & Calculated = {}): LibHistogram | undefined {
    const histogram = this.histogram(name, options)
    return options.calculate != null ? undefined : observer(histogram)
  }

  registerHistogramGroup (name: string, options?: HistogramOptions): HistogramGroup
  registerHistogramGroup (name: string, options: HistogramOptions & Calculated): void
  registerHistogramGroup (name: string, options: HistogramOptions & Calculated = {}): HistogramGroup | undefined {
    const label = options.label ?? 'key'
    const histogram = this.histogram(name, { ...options, label })
    return options.calculate != null ? undefined : observerGroup(histogram, label)
  }

  registerSummary (name: string, options?: SummaryOptions): LibSummary
  registerSummary (name: string, options: SummaryOptions & Calculated): void
  registerSummary (name: string, options: SummaryOptions & Calculated = {}): LibSummary | undefined {
    const summary = this.summary(name, options)
    return options.calculate != null ? undefined : observer(summary)
  }

  registerSummaryGroup (name: string, options?: SummaryOptions): SummaryGroup
  registerSummaryGroup (name: string, options: SummaryOptions & Calculated): void
  registerSummaryGroup (name: string, options: SummaryOptions & Calculated = {}): SummaryGroup | undefined {
    const label = options.label ?? 'key'
    const summary = this.summary(name, { ...options, label })
    return options.calculate != null ? undefined : observerGroup(summary, label)
  }

  /** A metric registered twice (two services asking for one name) is one metric. */
  private once<T> (name: string, create: () => T): T {
    let metric = this.registered.get(name) as T | undefined
    if (metric == null) {
      metric = create()
      this.registered.set(name, metric)
    }
    return metric
  }

  private gauge (name: string, options: MetricOptions & Calculated): Gauge {
    const { calculate, label } = options
    return this.once(name, () => new Gauge({
      ...common(name, options),
      async collect () {
        if (calculate == null) return
        const value = await calculate()
        if (typeof value === 'number') {
          this.set(value)
        } else if (label != null) {
          this.reset()
          each(value, (key, v) => { this.set({ [label]: key }, v) })
        }
      },
      registers: [this.registry]
    }))
  }

  private counter (name: string, options: MetricOptions & Calculated): Counter {
    const { calculate, label } = options
    return this.once(name, () => new Counter({
      ...common(name, options),
      async collect () {
        if (calculate == null) return
        const value = await calculate()
        this.reset()
        if (typeof value === 'number') {
          this.inc(value)
        } else if (label != null) {
          each(value, (key, v) => { this.inc({ [label]: key }, v) })
        }
      },
      registers: [this.registry]
    }))
  }

  private histogram (name: string, options: HistogramOptions & Calculated): Histogram {
    const { calculate } = options
    return this.once(name, () => new Histogram({
      ...common(name, options),
      ...(options.buckets != null ? { buckets: options.buckets } : {}),
      async collect () {
        const value = await calculate?.()
        if (typeof value === 'number') this.observe(value)
      },
      registers: [this.registry]
    }))
  }

  private summary (name: string, options: SummaryOptions & Calculated): Summary {
    const { calculate, percentiles, maxAgeSeconds, ageBuckets, pruneAgedBuckets, compressCount } = options
    return this.once(name, () => new Summary({
      ...common(name, options),
      ...(percentiles != null ? { percentiles } : {}),
      ...(maxAgeSeconds != null ? { maxAgeSeconds, ageBuckets: ageBuckets ?? 5, pruneAgedBuckets: pruneAgedBuckets ?? false } : {}),
      ...(compressCount != null ? { compressCount } : {}),
      async collect () {
        const value = await calculate?.()
        if (typeof value === 'number') this.observe(value)
      },
      registers: [this.registry]
    }))
  }
}

/** libp2p's view of a prom-client histogram or summary: both observe values and time things. */
function observer (metric: Histogram | Summary): LibHistogram & LibSummary {
  return {
    observe: (value) => { metric.observe(value) },
    reset: () => { metric.reset() },
    timer: () => metric.startTimer()
  }
}

function observerGroup (metric: Histogram | Summary, label: string): HistogramGroup & SummaryGroup {
  return {
    observe: (values: Partial<Record<string, number>>) => { each(values, (key, value) => { metric.observe({ [label]: key }, value) }) },
    reset: () => { metric.reset() },
    timer: (key: string) => metric.startTimer({ [label]: key })
  }
}

function common (name: string, options: MetricOptions): { name: string, help: string, labelNames: string[] } {
  return { name, help: options.help ?? name, labelNames: options.label != null ? [options.label] : [] }
}

function each (values: Partial<Record<string, number | true>>, fn: (key: string, value: number) => void): void {
  for (const [key, value] of Object.entries(values)) {
    if (value != null) fn(key, value === true ? 1 : value)
  }
}

/**
 * The node's own figures, read from networkStatus() once per scrape: members by state, network size, connections,
 * mesh peers, messages sent, received and refused, bans, HTTP messages recorded.
 */
export function registerNodeMetrics (registry: Registry, read: () => NetworkStatus & { httpMessages: number }): void {
  let cached: { at: number, status: ReturnType<typeof read> } | undefined
  // every gauge's collect() runs in one scrape: read the status once for all of them
  const status = (): ReturnType<typeof read> => {
    const now = Date.now()
    if (cached == null || now - cached.at > 100) cached = { at: now, status: read() }
    return cached.status
  }
  const gauge = (name: string, help: string, labelNames: string[], collect: (gauge: Gauge) => void): void => {
    // eslint-disable-next-line no-new
    new Gauge({ name, help, labelNames, registers: [registry], collect () { collect(this) } })
  }
  gauge('p2p_node_members', 'Members in this node\'s view, by state (itself not counted)', ['state'], (g) => {
    for (const [state, count] of Object.entries(status().members)) g.set({ state }, count)
  })
  gauge('p2p_node_network_size', 'Live members of the network, this node included', [], (g) => { g.set(status().size.size) })
  gauge('p2p_node_connections', 'Open connections', [], (g) => { g.set(status().connections) })
  gauge('p2p_node_peer_connections', 'Connections to peers that are not bootstraps', [], (g) => { g.set(status().peerConnections) })
  gauge('p2p_node_mesh_peers', 'Peers in the broadcast mesh', [], (g) => { g.set(status().meshPeers) })
  gauge('p2p_node_uptime_seconds', 'Seconds since the node started', [], (g) => { g.set(status().uptimeMs / 1000) })
  // counts since start, exposed as gauges read from the node: prom-client counters cannot be set
  for (const direction of ['sent', 'received', 'rejected'] as const) {
    gauge(`p2p_node_messages_${direction}`, `Messages ${direction} since start, by kind`, ['kind'], (g) => {
      for (const [kind, count] of Object.entries(status().messages[direction])) g.set({ kind }, count)
    })
  }
  gauge('p2p_node_announcements_rejected', 'Membership announcements refused since start', [], (g) => { g.set(status().messages.rejectedAnnouncements) })
  gauge('p2p_node_banned_peers', 'Peers banned now', [], (g) => { g.set(status().bans.now) })
  gauge('p2p_node_bans', 'Bans since start', [], (g) => { g.set(status().bans.total) })
  gauge('p2p_node_http_messages', 'Messages recorded by POST /message since start', [], (g) => { g.set(status().httpMessages) })
}
