/**
 * A swarm of real nodes in a worker thread, driven from a test. Every call is a message to the worker and back;
 * events of every node are collected here, with the worker's clock.
 */
import { Worker } from 'node:worker_threads'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { MemberInfo, NetworkStatus, NodeInit, NodeStatus } from '../../dist/index.js'
import type { NetworkSize } from '../../dist/internal.js'
import type { PrivateKey } from '@libp2p/interface'

export type Request = { id: number } & (
  | { op: 'create', init: Omit<NodeInit, 'privateKey'> & { privateKey?: Uint8Array } }
  | { op: 'call', key: string, method: string, args: unknown[] }
  | { op: 'snapshot' }
  | { op: 'announce', key: string, kind: 'join' | 'heartbeat' | 'leave' | 'dead' | 'shutdown', subject?: string, fields: Record<string, unknown> }
  | { op: 'reportDead', key: string, to: string, subject: string }
  | { op: 'connections', key: string }
  | { op: 'forgeBroadcast', key: string, text: string, senderName?: string, sentAt?: number, messageId?: string }
  | { op: 'forgeDirect', key: string, to: string, text: string, senderName?: string, sentAt?: number, messageId?: string }
  | { op: 'dial', key: string, to: string }
  | { op: 'attack', key: string, attack: string, args: unknown[] }
  | { op: 'stopAll' }
)

/** One node as the worker sees it, at one moment. */
export interface Snapshot {
  key: string
  name: string
  started: boolean
  size: number
  rejected: number
  peerConnections: number
  meshPeers: number
  /** Member name -> state. */
  states: Record<string, string>
  /** Peers banned now, and bans since start. */
  bans: { now: number, total: number }
  /** Peer ids of its connections. */
  connectedTo: string[]
}

export interface SwarmEvent {
  type: string
  detail: any
  /** Worker's clock, ms since the epoch. */
  at: number
}

type Pending = { resolve: (value: any) => void, reject: (err: Error) => void }

export class Swarm {
  private worker?: Worker
  private readonly pending = new Map<number, Pending>()
  private readonly nodes = new Map<string, RemoteNode>()
  private nextId = 0

  /** The worker, started on first use: a swarm whose tests were all skipped starts no thread. */
  private get thread (): Worker {
    this.worker ??= this.startWorker()
    return this.worker
  }

  private startWorker (): Worker {
    const worker = new Worker(new URL('./worker.ts', import.meta.url))
    worker.on('message', (message: any) => {
      if (message.event === true) {
        this.nodes.get(message.key)?.events.push({ type: message.type, detail: message.detail, at: message.at })
        return
      }
      const pending = this.pending.get(message.id)
      this.pending.delete(message.id)
      if (message.ok === true) {
        pending?.resolve(message.value)
      } else {
        pending?.reject(Object.assign(new Error(message.error?.message), message.error))
      }
    })
    worker.on('error', err => {
      for (const pending of this.pending.values()) pending.reject(err)
      this.pending.clear()
    })
    return worker
  }

  /** @internal */
  async request<T> (request: Request extends infer R ? R extends any ? Omit<R, 'id'> : never : never): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.thread.postMessage({ ...request, id })
    })
  }

  /** Creates (and starts) a node in the worker. Rejects as createNode() would, with the error's name and reason. */
  async create (init: Omit<NodeInit, 'privateKey'> & { privateKey?: PrivateKey } = {}): Promise<RemoteNode> {
    const { privateKey, ...rest } = init
    const created = await this.request<{ key: string, peerId: string, name: string, role: string, multiaddrs: string[], httpUrl?: string }>({
      op: 'create', init: { ...rest, ...(privateKey != null ? { privateKey: privateKeyToProtobuf(privateKey) } : {}) }
    })
    const node = new RemoteNode(this, created)
    this.nodes.set(created.key, node)
    return node
  }

  /** A bootstrap and `count` peers named node-1 to node-count. */
  async network (count: number, init: Omit<NodeInit, 'privateKey'> = {}): Promise<{ bootstrap: RemoteNode, nodes: RemoteNode[], all: RemoteNode[] }> {
    const bootstrap = await this.create({ ...init, role: 'bootstrap' })
    const nodes = await Promise.all(Array.from({ length: count }, async (_, i) =>
      this.create({ ...init, name: `node-${i + 1}`, bootstrap: bootstrap.multiaddrs })))
    return { bootstrap, nodes, all: [bootstrap, ...nodes] }
  }

  /** Every node's state, by key, in one round trip. */
  async snapshot (): Promise<Map<string, Snapshot>> {
    const list = await this.request<Snapshot[]>({ op: 'snapshot' })
    return new Map(list.map(snapshot => [snapshot.key, snapshot]))
  }

  /** Stops every node and the worker. */
  async stop (): Promise<void> {
    if (this.worker == null) {
      return
    }
    await this.request({ op: 'stopAll' }).catch(() => {})
    await this.worker.terminate()
  }
}

export class RemoteNode {
  readonly key: string
  readonly peerId: string
  readonly name: string
  readonly role: string
  readonly multiaddrs: string[]
  /** Its HTTP API's base URL, when it was created with the `http` option. */
  readonly httpUrl?: string
  readonly events: SwarmEvent[] = []
  private readonly swarm: Swarm

  constructor (swarm: Swarm, created: { key: string, peerId: string, name: string, role: string, multiaddrs: string[], httpUrl?: string }) {
    this.swarm = swarm
    this.key = created.key
    this.peerId = created.peerId
    this.name = created.name
    this.role = created.role
    this.multiaddrs = created.multiaddrs
    this.httpUrl = created.httpUrl
  }

  async call<T = unknown> (method: string, ...args: unknown[]): Promise<T> {
    return this.swarm.request<T>({ op: 'call', key: this.key, method, args })
  }

  async members (): Promise<MemberInfo[]> { return this.call('members') }
  async networkStatus (): Promise<NetworkStatus> { return this.call('networkStatus') }
  async networkSize (target?: string): Promise<NetworkSize> { return this.call('networkSize', target) }
  async status (target?: string): Promise<NodeStatus> { return this.call('status', target) }
  async broadcast (text: string): Promise<{ id: string, recipients: number }> { return this.call('broadcast', text) }
  async leave (): Promise<void> { await this.call('leave') }
  async stop (): Promise<void> { await this.call('stop') }
  async shutdownNetwork (reason?: string): Promise<void> { await this.call('shutdownNetwork', reason) }

  /** Publishes a membership announcement of the test's making, signed with this node's key. */
  async announce (kind: 'join' | 'heartbeat' | 'leave' | 'dead' | 'shutdown', options: { subject?: RemoteNode, fields?: Record<string, unknown> } = {}): Promise<void> {
    await this.swarm.request({ op: 'announce', key: this.key, kind, subject: options.subject?.key, fields: options.fields ?? {} })
  }

  /** Reports `subject` dead to `to` over the registry protocol; resolves with the answer's status. */
  async reportDead (to: RemoteNode, subject: RemoteNode): Promise<string> {
    return this.swarm.request({ op: 'reportDead', key: this.key, to: to.key, subject: subject.key })
  }

  /** This node's open connections: the remote peer id, and the protocol of each stream on it. */
  async connections (): Promise<Array<{ peer: string, streams: string[] }>> {
    return this.swarm.request({ op: 'connections', key: this.key })
  }

  /** Publishes a broadcast envelope of the test's making (name, time, id), signed with this node's own key. */
  async forgeBroadcast (text: string, fields: { senderName?: string, sentAt?: number, messageId?: string } = {}): Promise<number> {
    return this.swarm.request({ op: 'forgeBroadcast', key: this.key, text, ...fields })
  }

  /** Sends `to` a direct message frame of the test's making; resolves with the acknowledgement's status. */
  async forgeDirect (to: RemoteNode, text: string, fields: { senderName?: string, sentAt?: number, messageId?: string } = {}): Promise<string> {
    return this.swarm.request({ op: 'forgeDirect', key: this.key, to: to.key, text, ...fields })
  }

  /**
   * Runs one of test/swarm/attacks.ts with this node as the attacker; other nodes given as arguments are passed as
   * the worker's nodes.
   */
  async attack<T = unknown> (attack: string, ...args: unknown[]): Promise<T> {
    return this.swarm.request({ op: 'attack', key: this.key, attack, args: args.map(arg => arg instanceof RemoteNode ? { node: arg.key } : arg) })
  }

  /** Connects to `to` directly, whatever discovery would do. */
  async dial (to: RemoteNode): Promise<void> {
    await this.swarm.request({ op: 'dial', key: this.key, to: to.key })
  }

  /** The messages this node received. */
  messages (): any[] {
    return this.events.filter(evt => evt.type === 'message').map(evt => evt.detail)
  }

  /** Texts of the messages this node received. */
  received (): string[] {
    return this.events.filter(evt => evt.type === 'message').map(evt => evt.detail.text)
  }
}
