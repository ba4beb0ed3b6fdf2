/**
 * The shape shared by our one-question protocols (status, network size, goodbye, registry): the asker opens a
 * stream, writes one request frame, reads one response frame, and the stream closes. Each protocol is this
 * class given its protocol id, its protobuf codecs and its limits; the part that answers it serves a handler.
 */
import { STREAM_BACKSTOP, STRIKES, type PeerGuard } from '../protection/peer-guard.js'
import { admitInbound, requestOnce, serveRequests } from './framing.js'
import { StreamSlots } from './stream-slots.js'
import { asError, messageOf } from '../errors.js'
import type { ComponentLogger, Connection, IncomingStreamData, Logger, PeerId, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
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
  /** The answer to a request that does not decode; without one, the stream is aborted. */
  malformed?: (error: Error) => Response
  /** The log component, e.g. 'p2p-node:status'. */
  logName: string
  /** Limits each peer's requests (requestsPerSecond, per protocol) and counts its malformed ones. */
  guard: PeerGuard
}

/** What a protocol needs of the libp2p node: its registrar, its dialer and its logger. A Libp2p is one. */
export interface ProtocolHost {
  handle: (protocol: string, handler: StreamHandler, options: StreamHandlerOptions) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  dial: (peer: PeerId, options: { signal: AbortSignal }) => Promise<Connection>
  logger: ComponentLogger
}

/** The host of a libp2p service: the registrar and connection manager among its components. */
export function hostOf (components: { registrar: Registrar, connectionManager: ConnectionManager, logger: ComponentLogger }): ProtocolHost {
  return {
    handle: async (protocol, handler, options) => { await components.registrar.handle(protocol, handler, options) },
    unhandle: async (protocol) => { await components.registrar.unhandle(protocol) },
    dial: async (peer, options) => components.connectionManager.openConnection(peer, options),
    logger: components.logger
  }
}

/** Answers one request from the Noise-authenticated peer of `connection`. */
export type RequestHandler<Request, Response> = (request: Request, connection: Connection) => Promise<Response> | Response

export interface Answer<Response> {
  response: Response
  /** The connection it came over: its remotePeer is who answered, authenticated. */
  connection: Connection
}

export class RequestResponse<Request, Response> {
  readonly protocol: string
  private readonly host: ProtocolHost
  private readonly init: RequestResponseInit<Request, Response>
  private readonly log: Logger
  /** Requests past the stream limit toward one peer wait here for a stream to close. */
  private readonly slots: StreamSlots
  private handler?: RequestHandler<Request, Response>

  constructor (host: ProtocolHost, init: RequestResponseInit<Request, Response>) {
    this.host = host
    this.init = init
    this.slots = new StreamSlots(init.maxStreams)
    this.protocol = init.protocol
    this.log = host.logger.forComponent(init.logName)
    this.handleStream = this.handleStream.bind(this)
  }

  get [Symbol.toStringTag] (): string {
    return this.init.logName
  }

  /** Answers this protocol with `handler` until unserve(). Harmless to repeat. */
  async serve (handler: RequestHandler<Request, Response>): Promise<void> {
    const serving = this.handler != null
    this.handler = handler
    if (!serving) {
      await this.host.handle(this.protocol, this.handleStream, {
        maxInboundStreams: STREAM_BACKSTOP,
        maxOutboundStreams: this.init.maxStreams
      })
    }
  }

  async unserve (): Promise<void> {
    if (this.handler != null) {
      this.handler = undefined
      await this.host.unhandle(this.protocol)
    }
  }

  /**
   * Asks `peer` once, dialing it if need be, within `signal` or the protocol's timeout. Past `maxStreams` requests
   * in flight to one peer, it waits for one of them to finish.
   */
  async ask (peer: PeerId, request: Request, options: { signal?: AbortSignal } = {}): Promise<Answer<Response>> {
    const signal = options.signal ?? AbortSignal.timeout(this.init.timeout)
    const release = await this.slots.acquire(peer.toString(), signal)
    try {
      const connection = await this.host.dial(peer, { signal })
      const stream = await connection.newStream(this.protocol, { signal })
      const frame = await requestOnce(stream, this.init.request.encode(request), { maxSize: this.init.maxFrameBytes, signal })
      return { response: this.init.response.decode(frame), connection }
    } finally {
      release()
    }
  }

  private handleStream ({ stream, connection }: IncomingStreamData): void {
    const { malformed, guard } = this.init
    const handle = this.handler
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
      } catch (err) {
        this.log('malformed request from %p: %s', peer, messageOf(err))
        onMalformed(asError(err))
        if (malformed == null) {
          throw err
        }
        return { reply: this.init.response.encode(malformed(asError(err))), end: true }
      }
      return { reply: this.init.response.encode(await handle(request, connection)), end: true }
    })
  }
}
