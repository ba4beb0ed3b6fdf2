/**
 * Node processes in their namespaces, driven and watched through their HTTP APIs from the controller namespace.
 * Each process is `ip netns exec <ns> node dist/{bootstrap,node}.js`: `ip netns exec` execs, so the child's pid is
 * the node's own and a signal reaches the node itself. Output goes to one log file per node, kept across restarts,
 * each line stamped with the time (the CLI prints none), so that a node's log can be laid beside the suite's.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { inNs, type Host } from './netns.ts'

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url))
/** Every node listens on the same ports: each has an address of its own, as on separate hosts. */
const P2P_PORT = 4001
const HTTP_PORT = 8080
/** A request to a node's HTTP API never waits longer than this. */
const REQUEST_TIMEOUT = 5_000
const POLL_INTERVAL = 250

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Polls `condition` every `interval` ms until it holds; fails with `message` after `timeout` ms. Returns the ms taken. */
export async function waitFor (condition: () => boolean | Promise<boolean>, message: string, timeout: number, interval = POLL_INTERVAL): Promise<number> {
  const start = Date.now()
  while (!(await condition())) {
    if (Date.now() - start > timeout) {
      throw new Error(`timed out after ${timeout / 1000} s: ${message}`)
    }
    await sleep(interval)
  }
  return Date.now() - start
}

export interface Member { peerId: string, name: string, role: string, state: string, connected: boolean }

export class NetNode {
  readonly name: string
  readonly host: Host
  readonly role: 'bootstrap' | 'peer'
  readonly keyFile: string
  readonly logFile: string
  /** The peer id, known once the node answered /health; the key file keeps it across restarts. */
  peerId = ''
  /**
   * Every broadcast this node received, by text (each test broadcast's text is unique, and known even when the
   * HTTP answer to the send was lost): when it arrived (its clock) and when it was sent (the sender's).
   */
  readonly received = new Map<string, { receivedAt: number, sentAt: number }>()
  /** Membership changes and bans this node printed, with when: to count false deaths during a fault. */
  readonly events: Array<{ at: number, line: string }> = []
  private proc?: ChildProcess
  private log?: WriteStream
  private exited = true
  private lastSeq = 0
  private readonly token: string

  constructor (name: string, host: Host, role: 'bootstrap' | 'peer', dir: string, token: string) {
    this.name = name
    this.host = host
    this.role = role
    this.keyFile = join(dir, `${name}.key`)
    this.logFile = join(dir, `${name}.log`)
    this.token = token
  }

  get url (): string { return `http://${this.host.ip}:${HTTP_PORT}` }
  get multiaddr (): string { return `/ip4/${this.host.ip}/tcp/${P2P_PORT}/p2p/${this.peerId}` }
  get running (): boolean { return !this.exited }

  /** Starts the process and waits until its HTTP API answers (and, for a peer, until it is in the broadcast mesh). */
  async start (bootstraps: string[], timeout = 60_000): Promise<void> {
    const script = this.role === 'bootstrap' ? 'bootstrap.js' : 'node.js'
    const args = [
      `${DIST}${script}`, '--name', this.name, '--host', this.host.ip, '--port', String(P2P_PORT), '--key-file', this.keyFile,
      '--http-port', String(HTTP_PORT), '--http-host', this.host.ip, '--log-level', process.env.NET_LOG_LEVEL ?? 'info',
      ...bootstraps.flatMap(ma => ['--bootstrap', ma])
    ]
    // the token comes from the environment, not argv (visible to every user); it also silences the warning
    // about an HTTP API beyond loopback
    const proc = spawn('ip', ['netns', 'exec', this.host.ns, process.execPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, P2P_HTTP_TOKEN: this.token }
    })
    this.proc = proc
    const log = this.log ??= createWriteStream(this.logFile, { flags: 'a' })
    log.write(`${new Date().toISOString()} --- started: ${args.join(' ')}\n`)
    for (const stream of [proc.stdout, proc.stderr]) {
      createInterface({ input: stream }).on('line', line => {
        const at = Date.now()
        log.write(`${new Date(at).toISOString()} ${line}\n`)
        if (/^\[(dead|join|leave|banned)\]/.test(line)) this.events.push({ at, line })
      })
    }
    this.exited = false
    this.lastSeq = 0 // a restarted node numbers its log from 1 again
    proc.once('exit', (code, signal) => {
      this.exited = true
      log.write(`${new Date().toISOString()} --- exited: ${signal ?? code}\n`)
    })
    await waitFor(async () => {
      if (this.exited) throw new Error(`${this.name} exited while starting; see ${this.logFile}`)
      const health = await this.get('/health').catch(() => undefined)
      if (health?.peerId != null) this.peerId = health.peerId
      return health?.status === 'ok' && (this.role === 'bootstrap' || health.ready === true)
    }, `${this.name} to start and join the mesh`, timeout)
  }

  /** Sends `signal` and waits (bounded) until the process is gone. */
  async kill (signal: NodeJS.Signals = 'SIGKILL', timeout = 15_000): Promise<void> {
    if (this.exited) return
    this.proc?.kill(signal)
    try {
      await waitFor(() => this.exited, `${this.name} to exit on ${signal}`, timeout, 50)
    } catch (err) {
      this.proc?.kill('SIGKILL')
      throw err
    }
  }

  async get (path: string): Promise<any> {
    return this.request(path)
  }

  async post (path: string, body: unknown): Promise<any> {
    return this.request(path, { method: 'POST', body: JSON.stringify(body) })
  }

  private async request (path: string, init: RequestInit = {}): Promise<any> {
    const response = await fetch(`${this.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT)
    })
    const body = await response.json()
    if (!response.ok && path !== '/health') {
      throw new Error(`${this.name} ${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`)
    }
    return body
  }

  /** Fetches the broadcasts logged since the last call (a restart starts the log over). */
  async collect (): Promise<void> {
    const { messages } = await this.get(`/messages?since=${this.lastSeq}&limit=1000`)
    for (const message of messages) {
      this.lastSeq = Math.max(this.lastSeq, message.seq)
      if (message.kind === 'broadcast' && !this.received.has(message.text)) {
        this.received.set(message.text, { receivedAt: message.receivedAt, sentAt: message.sentAt })
      }
    }
  }

  /** How many of its printed events since `since` match `pattern` (e.g. /^\[dead\]/). */
  eventsSince (since: number, pattern: RegExp): number {
    return this.events.filter(event => event.at >= since && pattern.test(event.line)).length
  }

  async members (): Promise<Member[]> {
    return (await this.get('/members')).members
  }

  /** How many packets this host's fault rules dropped: proof that a fault was really in force. */
  droppedPackets (): number {
    const out = inNs(this.host.ns, ['iptables', '-v', '-x', '-n', '-L', 'P2PNET'])
    return out.split('\n').filter(line => /DROP/.test(line)).reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0)
  }
}

/** A broadcast the test sent, and who must have it. */
export interface Sent {
  /** Unique: what receivers are matched by. */
  text: string
  /** Whether the sender's HTTP API confirmed the send; a send whose answer timed out may still have gone out. */
  confirmed: boolean
  from: NetNode
  sentAt: number
  /** The nodes that must receive it: the live peer nodes other than the sender, at the time it was sent. */
  expected: NetNode[]
  label: string
}

export interface Delivery {
  messages: number
  deliveries: number
  expected: number
  ratio: number
  /** Sends whose HTTP answer timed out (they count, found by their text, if they arrived anywhere). */
  unconfirmed: number
  p50: number
  p95: number
  max: number
  /** (message label, node) pairs that never arrived, for the report; capped. */
  missing: string[]
}

export class Cluster {
  readonly nodes: NetNode[] = []
  readonly dir: string
  readonly token: string
  private counter = 0

  constructor (dir: string, token: string) {
    this.dir = dir
    this.token = token
  }

  add (name: string, host: Host, role: 'bootstrap' | 'peer'): NetNode {
    const node = new NetNode(name, host, role, this.dir, this.token)
    this.nodes.push(node)
    return node
  }

  get running (): NetNode[] { return this.nodes.filter(node => node.running) }
  get peers (): NetNode[] { return this.running.filter(node => node.role === 'peer') }

  /**
   * Broadcasts from `from` through its HTTP API; the message must reach `expected` (default: every other live
   * peer). An error answer throws: nothing was sent. A timeout does not: the node may have sent it all the same,
   * and its receivers will tell.
   */
  async broadcast (from: NetNode, label: string, expected?: NetNode[]): Promise<Sent> {
    const text = `${label} #${++this.counter} from ${from.name}`
    const sentAt = Date.now()
    const sent = { text, from, sentAt, label, expected: (expected ?? this.peers).filter(node => node !== from) }
    try {
      await from.post('/broadcast', { msg: text })
      return { ...sent, confirmed: true }
    } catch (err: any) {
      if (err.name !== 'TimeoutError') throw err
      return { ...sent, confirmed: false }
    }
  }

  /** Polls the live nodes' logs until every message reached every node it must reach, or `timeout` ms passed. */
  async awaitDelivery (sent: Sent[], timeout: number): Promise<Delivery> {
    const complete = (): boolean => sent.every(msg => msg.expected.every(node => node.received.has(msg.text)))
    await waitFor(async () => {
      await Promise.all(this.running.map(async node => node.collect().catch(() => {})))
      return complete()
    }, 'delivery', timeout).catch(() => {})
    return deliveryOf(sent)
  }

  /** Each live node's view: peer id -> state. A node that does not answer has an empty view. */
  async views (): Promise<Map<NetNode, Map<string, string>>> {
    const views = new Map<NetNode, Map<string, string>>()
    await Promise.all(this.running.map(async node => {
      const members = await node.members().catch(() => [])
      views.set(node, new Map(members.map(member => [member.peerId, member.state])))
    }))
    return views
  }

  /** Whether every live node sees each of `subjects` (default: every other live node) as `state`. */
  async everyViewHas (state: 'alive' | 'dead' | 'gone', subjects?: NetNode[], observers?: NetNode[]): Promise<boolean> {
    const views = await this.views()
    return (observers ?? this.running).every(observer => {
      const view = views.get(observer)
      if (view == null) return false
      return (subjects ?? this.running).filter(subject => subject !== observer).every(subject => {
        const seen = view.get(subject.peerId)
        // "gone": dead, left, or already forgotten
        return state === 'gone' ? seen == null || seen === 'dead' || seen === 'left' : seen === state
      })
    })
  }

  /**
   * Counters summed over the live nodes: broadcasts refused (e.g. from a sender a node thinks dead) and bans.
   * A node that does not answer counts nothing.
   */
  async counters (nodes = this.running): Promise<{ refused: number, bans: number }> {
    const all = await Promise.all(nodes.map(async node => node.get('/network').catch(() => undefined)))
    return {
      refused: all.reduce((sum, n) => sum + (n?.messages.rejected.broadcast ?? 0), 0),
      bans: all.reduce((sum, n) => sum + (n?.bans.total ?? 0), 0)
    }
  }

  /** Membership events matching `pattern` printed by any node since `since`. */
  eventsSince (since: number, pattern: RegExp): number {
    return this.nodes.reduce((sum, node) => sum + node.eventsSince(since, pattern), 0)
  }

  /** Up to `limit` "observer sees member as state" lines for pairs not alive: what a failed wait on views leaves. */
  async notAlive (limit = 12): Promise<string[]> {
    const views = await this.views()
    const lines: string[] = []
    for (const [observer, view] of views) {
      for (const member of this.running) {
        if (member !== observer && view.get(member.peerId) !== 'alive') {
          lines.push(`${observer.name} sees ${member.name} ${view.get(member.peerId) ?? 'absent'}`)
        }
      }
    }
    return [...lines.slice(0, limit), ...(lines.length > limit ? [`... ${lines.length - limit} more`] : [])]
  }

  /** Every live peer is in the mesh and every live node sees every other one alive. */
  async healthy (): Promise<boolean> {
    const health = await Promise.all(this.peers.map(async node => node.get('/health').catch(() => undefined)))
    return health.every(h => h?.ready === true) && this.everyViewHas('alive')
  }
}

export function percentile (sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)]
}

export function deliveryOf (sent: Sent[]): Delivery {
  const latencies: number[] = []
  const missing: string[] = []
  let expected = 0
  for (const msg of sent) {
    for (const node of msg.expected) {
      expected++
      const got = node.received.get(msg.text)
      if (got == null) {
        missing.push(`${msg.label} -> ${node.name}`)
      } else {
        // both clocks are this machine's: the namespaces share it
        latencies.push(got.receivedAt - got.sentAt)
      }
    }
  }
  latencies.sort((a, b) => a - b)
  return {
    messages: sent.length,
    deliveries: latencies.length,
    expected,
    ratio: expected === 0 ? 1 : latencies.length / expected,
    unconfirmed: sent.filter(msg => !msg.confirmed).length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    max: latencies.at(-1) ?? NaN,
    missing: missing.slice(0, 20)
  }
}
