/**
 * Raw Node TCP baselines (node:net only, no libp2p): the same jobs as the libp2p benchmarks, done with plain
 * sockets in the same process, so the cost of our stack can be stated as a ratio.
 * Everything listens and dials on 127.0.0.1 with port 0.
 */
import { randomBytes } from 'node:crypto'
import { connect, createServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'

/** A graph: adjacency[i] lists the neighbours of node i (undirected; both directions listed). */
export type Adjacency = number[][]

const HOST = '127.0.0.1'
const HELLO = Buffer.from([0x68])
const MSG = 1
const LEAVE = 2
const DEAD = 3
/** u32 length, type byte, 16-byte id: the payload starts here. */
const PAYLOAD = 4 + 1 + 16
/** A frame longer than this means a broken stream, not a message. */
const MAX_FRAME = 256 * 1024 * 1024

/**
 * Splits a byte stream into u32-length-prefixed frames (the prefix counts the bytes after it). Chunks are queued
 * and merged only once a whole frame is there, so a large frame split over many chunks is copied once, not once per chunk.
 */
class FrameReader {
  private buffer: Buffer = Buffer.alloc(0)
  private readonly queue: Buffer[] = []
  private queued = 0

  push (chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    this.queue.push(chunk)
    this.queued += chunk.length
    for (;;) {
      if (this.buffer.length < 4) {
        if (this.buffer.length + this.queued < 4) return
        this.merge()
      }
      const length = this.buffer.readUInt32BE(0)
      if (length > MAX_FRAME) throw new Error(`frame of ${length} bytes`)
      const need = 4 + length
      if (this.buffer.length + this.queued < need) return
      if (this.buffer.length < need) this.merge()
      const frame = this.buffer.subarray(0, need)
      this.buffer = this.buffer.subarray(need)
      onFrame(frame)
    }
  }

  private merge (): void {
    this.buffer = Buffer.concat([this.buffer, ...this.queue])
    this.queue.length = 0
    this.queued = 0
  }
}

async function listen (server: Server): Promise<number> {
  return await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function floodFrame (type: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(PAYLOAD + payload.length)
  frame.writeUInt32BE(PAYLOAD - 4 + payload.length, 0)
  frame[4] = type
  randomBytes(16).copy(frame, 5)
  payload.copy(frame, PAYLOAD)
  return frame
}

/** The id as a map key; latin1 maps bytes to chars one to one, so distinct ids give distinct keys. */
function idOf (frame: Buffer): string {
  return frame.toString('latin1', 5, PAYLOAD)
}

function subjectPayload (subject: number): Buffer {
  const payload = Buffer.allocUnsafe(4)
  payload.writeUInt32BE(subject, 0)
  return payload
}

class RawNode {
  readonly index: number
  readonly server: Server
  port = 0
  /** Greeted connections by neighbour index. */
  readonly links = new Map<number, Socket>()
  /** Every socket of this node, greeted or not, so close() can destroy them all. */
  readonly sockets = new Set<Socket>()
  readonly seen = new Set<string>()
  /** Nodes this node knows to have left or died. */
  readonly gone = new Set<number>()
  alive = true
  serverClosed: Promise<void> | undefined

  constructor (index: number, server: Server) {
    this.index = index
    this.server = server
  }

  closeServer (): Promise<void> {
    this.serverClosed ??= new Promise(resolve => this.server.close(() => resolve()))
    return this.serverClosed
  }
}

interface FloodTracker {
  expected: number
  deliveries: number
  start: number
  last: number
  finish: () => void
}

interface DepartureTracker {
  /** Live nodes that do not know yet. */
  pending: Set<number>
  last: number
  finish: () => void
}

/** Edges as [lower, higher], each once, from an adjacency that may list them in one or both directions. */
function edgesOf (adjacency: Adjacency): Array<[number, number]> {
  const keys = new Set<number>()
  const edges: Array<[number, number]> = []
  const n = adjacency.length
  adjacency.forEach((neighbours, i) => {
    for (const j of neighbours) {
      if (j === i || j < 0 || j >= n || !Number.isInteger(j)) continue
      const a = Math.min(i, j)
      const b = Math.max(i, j)
      if (keys.has(a * n + b)) continue
      keys.add(a * n + b)
      edges.push([a, b])
    }
  })
  return edges
}

/** Starts `adjacency.length` TCP servers and connects every edge (lower index dials higher), at most `parallel` dials at once, each connection confirmed by a 1-byte hello each way. Resolves with the ms from start of dialing until every edge is confirmed on both ends. Keeps the network open and returns it. */
export async function rawJoin (adjacency: Adjacency, parallel = 16): Promise<{ ms: number, network: RawFloodNetwork }> {
  const network = new RawFloodNetwork(adjacency.length)
  try {
    const ms = await network.open(edgesOf(adjacency), Math.max(1, parallel))
    return { ms, network }
  } catch (err) {
    await network.close()
    throw err
  }
}

/** A flooding network of plain TCP nodes in this process. Create it with `RawFloodNetwork.create` or `rawJoin`. */
export class RawFloodNetwork {
  readonly size: number
  private readonly nodes: RawNode[] = []
  private readonly floods = new Map<string, FloodTracker>()
  private readonly departures = new Map<number, DepartureTracker>()
  /** Dialer's local port -> dialer index, so an accepting node knows who greeted it (all in one process). */
  private readonly dialers = new Map<number, number>()
  private closing = false
  /** Sockets corked by the batch being handled, if any. */
  private corked: Set<Socket> | undefined

  /** Same as rawJoin but without timing. */
  static async create (adjacency: Adjacency): Promise<RawFloodNetwork> {
    return (await rawJoin(adjacency)).network
  }

  /** Use `create` or `rawJoin`: the constructor alone opens nothing. */
  constructor (size: number) {
    this.size = size
  }

  /** @internal Used by rawJoin: starts the servers, then dials every edge, `parallel` at a time; ms of the dialing until all are greeted both ways. */
  async open (edges: Array<[number, number]>, parallel: number): Promise<number> {
    if (this.nodes.length > 0) throw new Error('already open')
    for (let i = 0; i < this.size; i++) {
      const server = createServer()
      const node = new RawNode(i, server)
      this.nodes.push(node)
      server.on('connection', socket => {
        if (this.closing || !node.alive) {
          socket.destroy()
          return
        }
        node.sockets.add(socket)
        socket.setNoDelay(true)
        this.wire(node, socket, undefined, () => {}, () => {})
      })
      node.port = await listen(server)
    }
    const start = performance.now()
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < edges.length) {
        const [a, b] = edges[next++]
        await this.dial(a, b)
      }
    }
    await Promise.all(Array.from({ length: Math.min(parallel, edges.length) }, worker))
    // The acceptor answers only after it got the dialer's hello, so the dialer having the answer means both ends are confirmed.
    const ms = performance.now() - start
    this.dialers.clear()
    return ms
  }

  private async dial (a: number, b: number): Promise<void> {
    const node = this.nodes[a]
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: HOST, port: this.nodes[b].port })
      node.sockets.add(socket)
      socket.setNoDelay(true)
      socket.once('connect', () => {
        // Registered before the hello goes out, so the acceptor finds it when the hello arrives.
        this.dialers.set(socket.localPort ?? -1, a)
        socket.write(HELLO)
      })
      this.wire(node, socket, b, resolve, () => reject(new Error(`connection ${a} -> ${b} closed before its hello`)))
    })
  }

  /** Greeting, then frames, then the reaction to the socket closing. `peer` is known when dialing, learnt from the hello when accepting. */
  private wire (node: RawNode, socket: Socket, dialedPeer: number | undefined, greeted: () => void, failed: () => void): void {
    let peer = dialedPeer ?? -1
    let open = false
    const reader = new FrameReader()
    // Errors (resets, writes after a crash) are followed by 'close', which is where they are handled.
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      if (!open) {
        if (dialedPeer === undefined) {
          const dialer = this.dialers.get(socket.remotePort ?? -1)
          if (dialer === undefined) {
            socket.destroy()
            return
          }
          peer = dialer
          socket.write(HELLO)
        }
        open = true
        node.links.set(peer, socket)
        greeted()
        chunk = chunk.subarray(1)
        if (chunk.length === 0) return
      }
      this.batched(() => {
        try {
          reader.push(chunk, frame => this.receive(node, socket, frame))
        } catch {
          socket.destroy()
        }
      })
    })
    socket.on('close', () => {
      node.sockets.delete(socket)
      if (!open) {
        failed()
        return
      }
      if (node.links.get(peer) === socket) node.links.delete(peer)
      if (node.alive && !this.closing && !node.gone.has(peer)) this.announceDead(node, peer)
    })
  }

  private receive (node: RawNode, from: Socket, frame: Buffer): void {
    if (!node.alive || this.closing) return
    const now = performance.now()
    const id = idOf(frame)
    if (node.seen.has(id)) return
    node.seen.add(id)
    const type = frame[4]
    if (type === MSG) {
      this.send(node, frame, from)
      const tracker = this.floods.get(id)
      if (tracker !== undefined) {
        tracker.deliveries++
        tracker.last = now
        if (tracker.deliveries >= tracker.expected) tracker.finish()
      }
    } else if ((type === LEAVE || type === DEAD) && frame.length >= PAYLOAD + 4) {
      // A node passes on only its first notice about a departure: several neighbours announce the same crash,
      // and one flood per departure is enough for everyone to learn it.
      if (this.noteGone(node, frame.readUInt32BE(PAYLOAD), now)) this.send(node, frame, from)
    }
  }

  private send (node: RawNode, frame: Buffer, except?: Socket): void {
    for (const socket of node.links.values()) {
      if (socket === except || !socket.writable) continue
      if (this.corked !== undefined && !this.corked.has(socket)) {
        socket.cork()
        this.corked.add(socket)
      }
      socket.write(frame)
    }
  }

  /** Runs `work` with every socket it writes to corked, so that frames forwarded while handling one chunk go out in one write per socket. */
  private batched (work: () => void): void {
    if (this.corked !== undefined) {
      work()
      return
    }
    const corked = this.corked = new Set()
    try {
      work()
    } finally {
      this.corked = undefined
      for (const socket of corked) socket.uncork()
    }
  }

  /** Records that `node` knows `subject` is gone; false if it already knew. */
  private noteGone (node: RawNode, subject: number, now: number): boolean {
    if (node.gone.has(subject)) return false
    node.gone.add(subject)
    node.links.delete(subject)
    const tracker = this.departures.get(subject)
    if (tracker?.pending.delete(node.index) === true) {
      tracker.last = now
      if (tracker.pending.size === 0) tracker.finish()
    }
    return true
  }

  private announceDead (node: RawNode, subject: number): void {
    this.noteGone(node, subject, performance.now())
    const frame = floodFrame(DEAD, subjectPayload(subject))
    node.seen.add(idOf(frame))
    this.send(node, frame)
  }

  private live (i: number): RawNode {
    const node = this.nodes[i]
    if (node === undefined || !node.alive || this.closing) throw new Error(`node ${i} is not live`)
    return node
  }

  private liveCount (): number {
    return this.nodes.filter(node => node.alive).length
  }

  /** Node `from` floods a message of `bytes` random bytes with a fresh 16-byte id: every node forwards a message id it sees for the first time to all its neighbours except the one it came from (length-prefixed frames: u32 length, then a type byte, the id, payload). Resolves when every node has it, or after `timeoutMs` (default 10000): `{ ms: time until the last node had it (NaN if not all did), delivered: nodes (publisher excluded) that got it }`. After a leave or crash, "every node" means every live node. */
  async flood (from: number, bytes: number, timeoutMs = 10_000): Promise<{ ms: number, delivered: number }> {
    const { ms, deliveries } = await this.burst([from], bytes, timeoutMs)
    return { ms, delivered: deliveries }
  }

  /** Many floods at once from the given publishers (a burst); resolves when all are everywhere or after timeoutMs: `{ ms, deliveries, expected }` where expected = publishers.length * (size - 1), size counting live nodes only; ms is NaN unless all arrived. */
  async burst (publishers: number[], bytes: number, timeoutMs = 10_000): Promise<{ ms: number, deliveries: number, expected: number }> {
    const nodes = publishers.map(i => this.live(i))
    const expected = publishers.length * (this.liveCount() - 1)
    const frames = nodes.map(() => floodFrame(MSG, randomBytes(bytes)))
    const ids = frames.map(idOf)
    return await new Promise(resolve => {
      const tracker: FloodTracker = {
        expected,
        deliveries: 0,
        start: 0,
        last: 0,
        finish: () => {
          clearTimeout(timer)
          for (const id of ids) this.floods.delete(id)
          const ms = tracker.deliveries >= expected ? Math.max(0, tracker.last - tracker.start) : NaN
          resolve({ ms, deliveries: tracker.deliveries, expected })
        }
      }
      const timer = setTimeout(tracker.finish, timeoutMs)
      for (const id of ids) this.floods.set(id, tracker)
      if (expected <= 0) {
        tracker.finish()
        return
      }
      tracker.start = performance.now()
      this.batched(() => nodes.forEach((node, k) => {
        node.seen.add(ids[k])
        this.send(node, frames[k])
      }))
    })
  }

  /** Waits until every other live node knows `subject` is gone, after `act` made it so; ms, or NaN after timeoutMs. */
  private async departure (subject: number, timeoutMs: number, act: () => void): Promise<number> {
    const pending = new Set(this.nodes.filter(node => node.alive && node.index !== subject && !node.gone.has(subject)).map(node => node.index))
    return await new Promise(resolve => {
      let start = 0
      const tracker: DepartureTracker = {
        pending,
        last: 0,
        finish: () => {
          clearTimeout(timer)
          this.departures.delete(subject)
          resolve(pending.size === 0 ? Math.max(0, tracker.last - start) : NaN)
        }
      }
      const timer = setTimeout(tracker.finish, timeoutMs)
      this.departures.set(subject, tracker)
      start = performance.now()
      tracker.last = start
      act()
      if (pending.size === 0) tracker.finish()
    })
  }

  /** Graceful leave of node i: it floods a LEAVE notice for itself and then closes its sockets; resolves with ms until every other live node has the notice (NaN after timeoutMs, default 10000). */
  async leave (i: number, timeoutMs = 10_000): Promise<number> {
    const node = this.live(i)
    return await this.departure(i, timeoutMs, () => {
      const frame = floodFrame(LEAVE, subjectPayload(i))
      node.seen.add(idOf(frame))
      this.send(node, frame)
      node.alive = false
      // end() after the write: the notice goes out before the FIN, so neighbours read it before they see the close.
      for (const socket of node.sockets) socket.end()
      void node.closeServer()
    })
  }

  /** Crash of node i: its sockets are destroyed at once with no notice; each neighbour that sees its socket close floods a DEAD notice for i; resolves with ms until every other live node knows (NaN after timeoutMs, default 10000). */
  async crash (i: number, timeoutMs = 10_000): Promise<number> {
    const node = this.live(i)
    return await this.departure(i, timeoutMs, () => {
      node.alive = false
      for (const socket of node.sockets) socket.destroy()
      void node.closeServer()
    })
  }

  /** Destroys every socket and closes every server; pending floods and departures resolve as timed out. */
  async close (): Promise<void> {
    this.closing = true
    for (const tracker of new Set(this.floods.values())) tracker.finish()
    for (const tracker of [...this.departures.values()]) tracker.finish()
    for (const node of this.nodes) {
      node.alive = false
      for (const socket of node.sockets) socket.destroy()
    }
    await Promise.all(this.nodes.map(async node => await node.closeServer()))
  }
}

/** A TCP echo pair on one reused connection: the client sends frames (u32 length, u32 request id, payload), the server answers each with an acknowledgement frame (u32 length, u32 request id). */
export class RawEchoPair {
  private readonly server: Server
  private readonly client: Socket
  private readonly serverSockets = new Set<Socket>()
  private nextId = 0
  /** Set while a run is going. */
  private onAck: ((requestId: number, now: number) => void) | undefined
  private onFail: ((err: Error) => void) | undefined

  static async create (): Promise<RawEchoPair> {
    const server = createServer()
    const port = await listen(server)
    const client = connect({ host: HOST, port })
    const pair = new RawEchoPair(server, client)
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', resolve)
        client.once('error', reject)
      })
    } catch (err) {
      await pair.close()
      throw err
    }
    return pair
  }

  /** Use `create`. */
  constructor (server: Server, client: Socket) {
    this.server = server
    this.client = client
    server.on('connection', socket => {
      this.serverSockets.add(socket)
      socket.setNoDelay(true)
      socket.on('error', () => {})
      socket.on('close', () => this.serverSockets.delete(socket))
      const reader = new FrameReader()
      socket.on('data', (chunk: Buffer) => {
        // One write per chunk read: acks of frames that arrived together leave together.
        const acks: Buffer[] = []
        try {
          reader.push(chunk, frame => {
            const ack = Buffer.allocUnsafe(8)
            ack.writeUInt32BE(4, 0)
            ack.writeUInt32BE(frame.readUInt32BE(4), 4)
            acks.push(ack)
          })
        } catch {
          socket.destroy()
          return
        }
        if (acks.length > 0) socket.write(acks.length === 1 ? acks[0] : Buffer.concat(acks))
      })
    })
    client.setNoDelay(true)
    const reader = new FrameReader()
    client.on('error', () => {})
    client.on('data', (chunk: Buffer) => {
      const now = performance.now()
      // Corked so that messages sent in answer to several acks of one chunk go out in one write.
      client.cork()
      try {
        reader.push(chunk, frame => this.onAck?.(frame.readUInt32BE(4), now))
      } catch (err) {
        this.onFail?.(err as Error)
      } finally {
        client.uncork()
      }
    })
    client.on('close', () => this.onFail?.(new Error('echo connection closed')))
  }

  /** Sends `count` messages of `bytes` bytes keeping at most `inFlight` unacknowledged; resolves with messages per second and each message's round-trip latency in ms (rejects after timeoutMs, default 120000). */
  async run (options: { bytes: number, inFlight: number, count: number, timeoutMs?: number }): Promise<{ perSecond: number, latencies: number[] }> {
    const { bytes, count } = options
    const inFlight = Math.max(1, options.inFlight)
    if (this.onAck !== undefined) throw new Error('a run is already going')
    if (count <= 0) return { perSecond: 0, latencies: [] }
    const payload = randomBytes(bytes)
    const sentAt = new Float64Array(count)
    const latencies = new Float64Array(count).fill(-1)
    const base = this.nextId
    this.nextId = (this.nextId + count) >>> 0
    let sent = 0
    let acked = 0
    const send = (): void => {
      const frame = Buffer.allocUnsafe(8 + bytes)
      frame.writeUInt32BE(4 + bytes, 0)
      frame.writeUInt32BE((base + sent) >>> 0, 4)
      payload.copy(frame, 8)
      sentAt[sent++] = performance.now()
      this.client.write(frame)
    }
    return await new Promise((resolve, reject) => {
      let start = 0
      const end = (): void => {
        clearTimeout(timer)
        this.onAck = undefined
        this.onFail = undefined
      }
      const timer = setTimeout(() => {
        end()
        reject(new Error(`echo run timed out with ${acked} of ${count} acknowledged`))
      }, options.timeoutMs ?? 120_000)
      this.onFail = err => {
        end()
        reject(err)
      }
      this.onAck = (requestId, now) => {
        const i = (requestId - base) >>> 0
        if (i >= sent || latencies[i] >= 0) return
        latencies[i] = now - sentAt[i]
        acked++
        if (acked === count) {
          end()
          resolve({ perSecond: count / ((now - start) / 1000), latencies: Array.from(latencies) })
        } else if (sent < count) {
          send()
        }
      }
      start = performance.now()
      this.client.cork()
      while (sent < Math.min(inFlight, count)) send()
      this.client.uncork()
    })
  }

  async close (): Promise<void> {
    this.onFail?.(new Error('echo pair closed'))
    this.client.destroy()
    for (const socket of this.serverSockets) socket.destroy()
    await new Promise<void>(resolve => this.server.close(() => resolve()))
  }
}

/** `count` trials, one after another, each a fresh `net.connect` to an echo server plus one 128-byte message and its echo, then close: ms of each trial (from connect to the echo read in full and the socket destroyed; waiting for the close event is not counted). */
export async function rawConnectAndEcho (count: number): Promise<number[]> {
  const sockets = new Set<Socket>()
  const server = createServer(socket => {
    sockets.add(socket)
    socket.setNoDelay(true)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    socket.on('data', (chunk: Buffer) => socket.write(chunk))
  })
  const message = randomBytes(128)
  const times: number[] = []
  try {
    const port = await listen(server)
    for (let i = 0; i < count; i++) {
      times.push(await new Promise<number>((resolve, reject) => {
        let got = 0
        let ms = NaN
        const start = performance.now()
        const socket = connect({ host: HOST, port })
        socket.setNoDelay(true)
        socket.on('connect', () => socket.write(message))
        socket.on('error', () => {})
        socket.on('data', (chunk: Buffer) => {
          got += chunk.length
          if (got >= message.length && Number.isNaN(ms)) {
            socket.destroy()
            ms = performance.now() - start
          }
        })
        // Resolving on close keeps trials one after another and leaves no socket behind.
        socket.on('close', () => Number.isNaN(ms) ? reject(new Error('echo connection closed before the echo')) : resolve(ms))
      }))
    }
  } finally {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>(resolve => server.close(() => resolve()))
  }
  return times
}
