import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { yamux } from '@chainsafe/libp2p-yamux'
import { defaultLogger } from '@libp2p/logger'
import { batchYamuxWindowUpdates } from '../../dist/internal.js'
import { waitFor } from '../helpers.ts'

const HEADER_BYTES = 12
const DATA = 0
const WINDOW_UPDATE = 1

/** Counts the yamux frames of each type in a byte stream, passing the bytes on. */
function frameCounter (): { counts: Map<number, number>, tap: (source: AsyncIterable<Uint8Array | { subarray: () => Uint8Array }>) => AsyncGenerator<Uint8Array> } {
  const counts = new Map<number, number>()
  let pending = Buffer.alloc(0)
  async function * tap (source: AsyncIterable<Uint8Array | { subarray: () => Uint8Array }>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
      pending = Buffer.concat([pending, bytes])
      while (pending.length >= HEADER_BYTES) {
        const type = pending[1]
        const size = HEADER_BYTES + (type === DATA ? pending.readUInt32BE(8) : 0)
        if (pending.length < size) break
        counts.set(type, (counts.get(type) ?? 0) + 1)
        pending = pending.subarray(size)
      }
      yield bytes
    }
  }
  return { counts, tap }
}

const muxers: any[] = []

/** Two yamux muxers wired back to back; what the receiver sends the sender is counted by frame type. */
function connectedMuxers (): { sender: any, counts: Map<number, number>, received: () => number } {
  let received = 0
  const components = { logger: defaultLogger() }
  // no keep-alive pings: they would keep the test process alive, and count as frames
  const sender: any = yamux({ enableKeepAlive: false })(components).createStreamMuxer({ direction: 'outbound' })
  const receiver: any = yamux({ enableKeepAlive: false })(components).createStreamMuxer({
    direction: 'inbound',
    onIncomingStream: (stream: any) => {
      void (async () => { for await (const chunk of stream.source) received += chunk.byteLength })()
    }
  })
  const { counts, tap } = frameCounter()
  void receiver.sink(sender.source)
  void sender.sink(tap(receiver.source))
  muxers.push(sender, receiver)
  return { sender, counts, received: () => received }
}

async function send (sender: any, chunks: number, bytes: number): Promise<void> {
  const stream = await sender.newStream()
  await stream.sink((function * () { for (let i = 0; i < chunks; i++) yield new Uint8Array(bytes).fill(i % 256) })())
}

describe('yamux window updates', () => {
  batchYamuxWindowUpdates()
  after(() => { for (const muxer of muxers) muxer.abort(new Error('test over')) })

  it('are not sent for every data frame read: 2,000 small messages get at most a few', async () => {
    const { sender, counts, received } = connectedMuxers()
    await send(sender, 2_000, 100)
    await waitFor(() => received() === 200_000, 'every byte arrives')
    const updates = counts.get(WINDOW_UPDATE) ?? 0
    assert.ok(updates >= 1 && updates <= 3, `${updates} window updates for 2,000 frames`)
  })

  it('still free the window for a stream that sends many times its size', async () => {
    const { sender, counts, received } = connectedMuxers()
    await send(sender, 64, 64 * 1024) // 4 MiB through a window of 256 KiB at first (yamux grows it on a fast stream)
    await waitFor(() => received() === 64 * 64 * 1024, 'every byte arrives')
    const updates = counts.get(WINDOW_UPDATE) ?? 0
    assert.ok(updates >= 2 && updates <= 64, `${updates} window updates for 4 MiB`)
  })
})
