/**
 * How every protocol of ours puts messages on a libp2p stream: protobuf frames, each behind a varint length prefix
 * with a maximum (it-length-prefixed), piped through it-pipe. An oversized length prefix fails the read before
 * its body is buffered.
 */
import { TimeoutError } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import type { PeerGuard } from '../protection/peer-guard.js'
import type { Logger, PeerId, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Aborts `stream` when `signal` fires, so that a pending read or write rejects. Returns the unsubscribe. */
export function abortOnSignal (stream: Stream, signal: AbortSignal): () => void {
  const onAbort = (): void => {
    stream.abort(signal.reason instanceof Error ? signal.reason : new TimeoutError('deadline exceeded'))
  }
  if (signal.aborted) {
    onAbort()
    return () => {}
  }
  signal.addEventListener('abort', onAbort, { once: true })
  return () => { signal.removeEventListener('abort', onAbort) }
}

/**
 * Writes one request frame and reads one response frame, within `signal`'s deadline. The stream is closed after.
 */
export async function requestOnce (stream: Stream, request: Uint8Array, options: { maxSize: number, signal: AbortSignal }): Promise<Uint8Array> {
  const unsubscribe = abortOnSignal(stream, options.signal)
  try {
    const response = await pipe(
      [request],
      (source) => lp.encode(source),
      stream,
      (source) => lp.decode(source, { maxDataLength: options.maxSize }),
      async (source) => {
        for await (const frame of source) {
          return frame.subarray()
        }
        throw new Error('the stream ended before a response arrived')
      }
    )
    await stream.close({ signal: options.signal })
    return response
  } catch (err) {
    stream.abort(err as Error)
    throw err
  } finally {
    unsubscribe()
  }
}

export interface Reply {
  /** The response frame to write. */
  reply: Uint8Array
  /** Close the stream after this reply (after a malformed request, say). */
  end?: boolean
}

/**
 * Lets an inbound stream of `peer` through `guard`'s limits (its request rate, and streams of the protocol open at
 * once), or aborts it. Returns the release to pass as `onEnd`, or undefined if the stream was refused.
 */
export function admitInbound (stream: Stream, peer: PeerId, guard: PeerGuard, maxOpen: number, log: Logger): (() => void) | undefined {
  const release = guard.admitStream(peer, stream.protocol ?? '', maxOpen)
  if (release == null) {
    log('refused a %s stream from %p: over its limits, or banned', stream.protocol, peer)
    stream.abort(new Error('rate limit exceeded'))
  }
  return release
}

/** Errors of a peer that broke the framing (an oversized or impossible length prefix, a cut frame). */
const FRAMING_ERRORS = new Set(['InvalidMessageLengthError', 'InvalidDataLengthError', 'InvalidDataLengthLengthError', 'UnexpectedEOFError'])

export interface ServeOptions {
  maxSize: number
  idleTimeout: number
  log: Logger
  /** The peer broke the framing: an oversized, impossible or cut frame. */
  onMalformed?: (err: Error) => void
  /** The stream is done with, however it ended. */
  onEnd?: () => void
}

/**
 * Serves the request frames that arrive on an inbound stream, one at a time and in order, writing each reply.
 * The stream is aborted when no frame arrives for `idleTimeout` ms, or on a malformed or oversized frame.
 * Never throws: failures are logged and abort this stream only.
 */
export function serveRequests (stream: Stream, options: ServeOptions, handle: (frame: Uint8Array) => Promise<Reply> | Reply): void {
  const idle = setTimeout(() => { stream.abort(new TimeoutError(`no request for ${options.idleTimeout} ms`)) }, options.idleTimeout)
  // a deadline, not work: it must not keep a stopped node's process alive while libp2p winds the stream down
  idle.unref()
  void pipe(
    stream,
    (source) => lp.decode(source, { maxDataLength: options.maxSize }),
    async function * (frames: AsyncIterable<Uint8ArrayList>) {
      for await (const frame of frames) {
        idle.refresh()
        const { reply, end } = await handle(frame.subarray())
        yield reply
        if (end === true) {
          return
        }
      }
    },
    (source) => lp.encode(source),
    stream
  ).then(
    async () => { await stream.close({ signal: AbortSignal.timeout(options.idleTimeout) }) }
  ).catch((err: Error) => {
    options.log('closing %s stream: %s', stream.protocol, err.message)
    if (FRAMING_ERRORS.has(err.name)) {
      options.onMalformed?.(err)
    }
    stream.abort(err)
  }).finally(() => {
    clearTimeout(idle)
    options.onEnd?.()
  })
}
