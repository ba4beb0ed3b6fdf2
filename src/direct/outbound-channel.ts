import { TimeoutError } from '@libp2p/interface'
import { pushable } from 'it-pushable'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import { toString as toHex } from 'uint8arrays/to-string'
import { DirectMessageAck } from './pb/message.js'
import type { Logger, Stream } from '@libp2p/interface'

/** An acknowledgement is an id, a status and a short reason. */
const MAX_ACK_BYTES = 1024

interface PendingAck {
  resolve: (ack: DirectMessageAck) => void
  reject: (err: Error) => void
}

/**
 * One long-lived outbound stream to a peer. Messages are written back to back, without waiting for the previous
 * acknowledgement, and acknowledgements are matched by message id: a new stream per message costs a protocol
 * negotiation round trip each time (see the benchmarks).
 */
export class OutboundChannel {
  private readonly outgoing = pushable<Uint8Array>()
  private readonly pending = new Map<string, PendingAck>()
  private readonly idle: NodeJS.Timeout
  private closedWith?: Error

  constructor (private readonly stream: Stream, private readonly options: { idleTimeout: number, maxInFlight: number, log: Logger }, onClosed: () => void) {
    this.idle = setTimeout(() => { this.close() }, options.idleTimeout)
    this.idle.unref() // closing an idle stream is housekeeping: it must not keep the process alive
    pipe(
      this.outgoing,
      (source) => lp.encode(source),
      stream,
      (source) => lp.decode(source, { maxDataLength: MAX_ACK_BYTES }),
      async (source) => {
        for await (const frame of source) {
          this.onAck(DirectMessageAck.decode(frame))
        }
      }
    ).then(
      () => { this.fail(new Error('the stream was closed')) },
      (err: Error) => { this.fail(err) }
    ).finally(onClosed)
  }

  get isOpen (): boolean {
    return this.closedWith == null
  }

  /** Writes one encoded DirectMessage and resolves with its acknowledgement. */
  async send (id: Uint8Array, frame: Uint8Array, signal: AbortSignal): Promise<DirectMessageAck> {
    if (this.closedWith != null) {
      throw this.closedWith
    }
    if (this.pending.size >= this.options.maxInFlight) {
      throw new Error(`${this.pending.size} messages are already waiting for an acknowledgement from this peer`)
    }
    signal.throwIfAborted()
    const key = toHex(id, 'base16')
    this.idle.refresh()
    return new Promise<DirectMessageAck>((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(key)
        reject(new TimeoutError('no acknowledgement before the deadline'))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.pending.set(key, {
        resolve: (ack) => { signal.removeEventListener('abort', onAbort); resolve(ack) },
        reject: (err) => { signal.removeEventListener('abort', onAbort); reject(err) }
      })
      this.outgoing.push(frame)
    })
  }

  /** Ends our side of the stream; the receiver then ends its side. Messages still in flight are answered first. */
  close (): void {
    clearTimeout(this.idle)
    this.outgoing.end()
  }

  abort (err: Error): void {
    this.fail(err)
    this.stream.abort(err)
  }

  private onAck (ack: DirectMessageAck): void {
    const key = toHex(ack.id, 'base16')
    const pending = this.pending.get(key)
    if (pending == null) {
      this.options.log.trace('acknowledgement for unknown or expired message %s', key)
      return
    }
    this.pending.delete(key)
    pending.resolve(ack)
  }

  private fail (err: Error): void {
    clearTimeout(this.idle)
    this.closedWith ??= err
    this.outgoing.end()
    for (const pending of this.pending.values()) {
      pending.reject(err)
    }
    this.pending.clear()
  }
}
