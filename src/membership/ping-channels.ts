import { randomBytes } from '@libp2p/crypto'
import { ProtocolError } from '@libp2p/interface'
import { PING_PROTOCOL } from '@libp2p/ping'
import { byteStream, type ByteStream } from 'it-byte-stream'
import { equals } from 'uint8arrays/equals'
import type { Connection, Stream } from '@libp2p/interface'

const PING_LENGTH = 32
/**
 * A ping stream serves this many ping intervals before it is replaced. libp2p's ping service resets each stream it
 * answers `timeout` after it opened (each ping starts a timer that is never cleared), so its timeout is set to
 * this many intervals (see pingStreamLifetime) and a channel is used for 80% of that.
 */
const INTERVALS_PER_STREAM = 12

/** How long a node's ping service keeps a ping stream open: the `timeout` it is given. */
export function pingStreamLifetime (pingInterval: number): number {
  return INTERVALS_PER_STREAM * pingInterval
}

interface Channel {
  connection: Connection
  stream: Stream
  bytes: ByteStream<Stream>
  openedAt: number
}

/**
 * Pings on one long-lived stream per peer: 32 random bytes out and the same 32 back, repeated on the same stream as
 * the ping protocol allows: a new stream per ping costs a stream opening and a protocol negotiation at both ends,
 * many times the ping itself (docs/decisions/ping-streams.md).
 *
 * A stream reset under us (its lifetime at the other end ran out, or the other end runs shorter timeouts) is not a
 * failed ping: a ping that fails fast on a reused stream is tried once on a new one. One that times out is a failure.
 */
export class PingChannels {
  private readonly channels = new Map<string, Channel>()
  /** How long a channel is used after it opened. */
  private readonly reuseFor: number

  constructor (pingInterval: number) {
    this.reuseFor = 0.8 * pingStreamLifetime(pingInterval)
  }

  /** Pings the peer at the other end of `connection`; rejects if it does not answer before `signal` aborts. */
  async ping (connection: Connection, signal: AbortSignal): Promise<void> {
    const key = connection.remotePeer.toString()
    const existing = this.channels.get(key)
    if (existing != null && this.usable(existing, connection)) {
      try {
        await this.pingOn(existing, signal)
        return
      } catch (err) {
        this.forget(key)
        if (signal.aborted) {
          throw err // it had the whole deadline
        }
      }
    }
    this.forget(key) // a channel too old, closed, or on another connection
    const stream = await connection.newStream(PING_PROTOCOL, { signal })
    const channel = { connection, stream, bytes: byteStream(stream), openedAt: Date.now() }
    this.channels.set(key, channel)
    try {
      await this.pingOn(channel, signal)
    } catch (err) {
      this.forget(key)
      throw err
    }
  }

  /** Closes the channel to `peer`, if any. */
  forget (peer: string): void {
    const channel = this.channels.get(peer)
    if (channel == null) {
      return
    }
    this.channels.delete(peer)
    channel.stream.abort(new Error('ping channel closed'))
  }

  /** Channels to peers not in `keep` are closed. */
  retain (keep: { has: (peer: string) => boolean }): void {
    for (const peer of [...this.channels.keys()]) {
      if (!keep.has(peer)) {
        this.forget(peer)
      }
    }
  }

  closeAll (): void {
    this.retain(new Set())
  }

  private usable (channel: Channel, connection: Connection): boolean {
    return channel.connection === connection && channel.stream.status === 'open' && Date.now() - channel.openedAt < this.reuseFor
  }

  private async pingOn (channel: Channel, signal: AbortSignal): Promise<void> {
    await echo(channel.bytes, signal)
  }
}

/** Whether the process at the other end of `connection` answers one ping, on a new stream, before `signal` aborts. */
export async function answersPing (connection: Connection, signal: AbortSignal): Promise<boolean> {
  if (connection.status !== 'open') {
    return false
  }
  try {
    const stream = await connection.newStream(PING_PROTOCOL, { signal })
    try {
      await echo(byteStream(stream), signal)
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
    await stream.close({ signal })
    return true
  } catch {
    return false
  }
}

/** One ping: 32 random bytes out, the same 32 back. */
async function echo (bytes: ByteStream<Stream>, signal: AbortSignal): Promise<void> {
  const data = randomBytes(PING_LENGTH)
  await bytes.write(data, { signal })
  const answer = await bytes.read({ bytes: PING_LENGTH, signal })
  if (!equals(answer.subarray(), data)) {
    throw new ProtocolError('the ping came back changed')
  }
}
