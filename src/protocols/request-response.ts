/**
 * The shape shared by our one-question protocols (status, network size, goodbye, registry): the asker opens a
 * stream, writes one request frame, reads one response frame, and the stream closes. Each protocol is this
 * service given its protocol id, its protobuf codecs, its limits and, on nodes that answer it, a handler.
 */
import { STREAM_BACKSTOP, STRIKES, type PeerGuard } from '../protection/peer-guard.js'
import { admitInbound, requestOnce, serveRequests } from './framing.js'
import { StreamSlots } from './stream-slots.js'
import type { ComponentLogger, Connection, IncomingStreamData, Logger, PeerId, Startable } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'

/** A protobuf codec, as protons generates it (decode limits bound in by the caller). */
export interface Codec<T> {
  encode: (value: T) => Uint8Array
  decode: (frame: Uint8Array) => T
}

export interface RequestResponseInit<Request, Response> {
  /** The whole protocol id, e.g. `/p2p-node/status/1.0.0`. */
  protocol: string
  request: Codec<Request>
  response: Codec<Response>
  /** Largest frame read either way; a longer length prefix fails the read before its body is buffered. */
  maxFrameBytes: number
  /** Streams of this protocol open at once on one connection, each way. */
  maxStreams: number
  /** Deadline of one exchange, in ms. */
  timeout: number
  /**
   * Answers one request from the Noise-authenticated peer of `connection`. Absent on nodes that only ask.
   * A request that does not decode is answered with `malformed()` if given, else the stream is aborted.
   */
  handle?: (request: Request, connection: Connection) => Promise<Response> | Response
  malformed?: (error: Error) => Response
  /** The log component, e.g. 'p2p-node:status'. */
  logName: string
  /** Limits each peer's requests (requestsPerSecond, per protocol) and counts its malformed ones. */
  guard: PeerGuard
}

export interface RequestResponseComponents {
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

export interface Answer<Response> {
  response: Response
  /** The connection it came over: its remotePeer is who answered, authenticated. */
  connection: Connection
}

export class RequestResponseService<Request, Response> implements Startable {
  readonly protocol: string
  private readonly components: RequestResponseComponents
  private readonly init: RequestResponseInit<Request, Response>
  private readonly log: Logger
  /** Requests past the stream limit toward one peer wait here for a stream to close. */
  private readonly slots: StreamSlots
  private started = false

  constructor (components: RequestResponseComponents, init: RequestResponseInit<Request, Response>) {
    this.components = components
    this.init = init
    this.slots = new StreamSlots(init.maxStreams)
    this.protocol = init.protocol
    this.log = components.logger.forComponent(init.logName)
    this.handleStream = this.handleStream.bind(this)
  }

  get [Symbol.toStringTag] (): string {
    return this.init.logName
  }

  async start (): Promise<void> {
    if (this.started) {
      return
    }
    if (this.init.handle != null) {
      await this.components.registrar.handle(this.protocol, this.handleStream, {
        maxInboundStreams: STREAM_BACKSTOP,
        maxOutboundStreams: this.init.maxStreams
      })
    }
    this.started = true
  }

  async stop (): Promise<void> {
    if (this.init.handle != null) {
      await this.components.registrar.unhandle(this.protocol)
    }
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  /**
   * Asks `peer` once, dialing it if need be, within `signal` or the protocol's timeout. Past `maxStreams` requests
   * in flight to one peer, it waits for one of them to finish.
   */
  async ask (peer: PeerId, request: Request, options: { signal?: AbortSignal } = {}): Promise<Answer<Response>> {
    const signal = options.signal ?? AbortSignal.timeout(this.init.timeout)
    const release = await this.slots.acquire(peer.toString(), signal)
    try {
      const connection = await this.components.connectionManager.openConnection(peer, { signal })
      const stream = await connection.newStream(this.protocol, { signal })
      const frame = await requestOnce(stream, this.init.request.encode(request), { maxSize: this.init.maxFrameBytes, signal })
      return { response: this.init.response.decode(frame), connection }
    } finally {
      release()
    }
  }

  private handleStream ({ stream, connection }: IncomingStreamData): void {
    const { handle, malformed, guard } = this.init
    const peer = connection.remotePeer
    if (handle == null) {
      stream.abort(new Error('not served here'))
      return
    }
    const onEnd = admitInbound(stream, peer, guard, this.init.maxStreams, this.log)
    if (onEnd == null) {
      return
    }
    const onMalformed = (err: Error): void => { guard.strike(peer, STRIKES.malformed, `malformed ${this.protocol} frame: ${err.message}`) }
    serveRequests(stream, { maxSize: this.init.maxFrameBytes, idleTimeout: this.init.timeout, log: this.log, onMalformed, onEnd }, async (frame) => {
      let request: Request
      try {
        request = this.init.request.decode(frame)
      } catch (err: any) {
        this.log('malformed request from %p: %s', peer, err.message)
        onMalformed(err)
        if (malformed == null) {
          throw err
        }
        return { reply: this.init.response.encode(malformed(err)), end: true }
      }
      return { reply: this.init.response.encode(await handle(request, connection)), end: true }
    })
  }
}

/** A libp2p service factory for one request/response protocol. */
export function requestResponse<Request, Response> (init: RequestResponseInit<Request, Response>): (components: RequestResponseComponents) => RequestResponseService<Request, Response> {
  return (components) => new RequestResponseService(components, init)
}
