/**
 * Property tests over every decoder of ours: random bytes, and valid frames cut short or with bytes overwritten.
 * A decoder may refuse its input, but only by returning a reason or throwing an Error: never another kind of
 * throw, a crash or a hang. The framing is driven through a stub stream with random chunks.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { peerIdFromString } from '@libp2p/peer-id'
import { Uint8ArrayList } from 'uint8arraylist'
import { Broadcast, readBroadcast, Announcement, readAnnouncement, DirectMessage, DirectMessageAck, PeerExchangeRequest, PeerExchangeResponse, StatusRequest, StatusResponse, Goodbye, GoodbyeAck, NetworkSizeRequest, NetworkSizeResponse, RegistryRequest, RegistryResponse, serveRequests, readMultiaddrs, readPeerId } from '../../dist/internal.js'

/** Cases per property: with 13 codecs and two input shapes, about 80,000 decodes per run. */
const RUNS = 3_000
const SENDER = peerIdFromString('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA')
/** The limits our services decode with. */
const LIMITS = { limits: { peers: 64, addresses: 8, neighbours: 64 } }

const codecs: Record<string, { encode: (value: any) => Uint8Array, decode: (bytes: Uint8Array, options?: any) => unknown }> = {
  Broadcast,
  Announcement,
  DirectMessage,
  DirectMessageAck,
  PeerExchangeRequest,
  PeerExchangeResponse,
  StatusRequest,
  StatusResponse,
  Goodbye,
  GoodbyeAck,
  NetworkSizeRequest,
  NetworkSizeResponse,
  RegistryRequest,
  RegistryResponse
}

const id = fc.uint8Array({ minLength: 16, maxLength: 16 })
const name = fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/)
/** Valid frames of the richest messages: what a mutation starts from. */
const validFrames = fc.oneof(
  fc.record({ id, payload: fc.uint8Array({ maxLength: 300 }), senderName: name, sentAt: fc.nat() }).map(m => Broadcast.encode(m)),
  fc.record({ id, payload: fc.uint8Array({ maxLength: 300 }), senderName: name, sentAt: fc.nat() }).map(m => DirectMessage.encode(m)),
  fc.record({
    kind: fc.integer({ min: 0, max: 6 }),
    name,
    role: fc.integer({ min: 0, max: 2 }),
    addresses: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
    nonce: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    seq: fc.nat(),
    sentAt: fc.nat(),
    intervalMs: fc.nat(),
    neighbours: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
    certificate: fc.option(fc.uint8Array({ maxLength: 80 }), { nil: undefined }),
    certifiedBy: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined })
  }).map(m => Announcement.encode(m as any))
)
/** A valid frame cut short and with a few bytes overwritten. */
const mutated = fc.tuple(validFrames, fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
  .map(([frame, cut, writes]) => {
    const copy = Uint8Array.from(frame).subarray(0, cut % (frame.length + 1))
    for (const [at, byte] of writes) {
      if (copy.length > 0) copy[at % copy.length] = byte
    }
    return copy
  })
const anyInput = fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated)

describe('decoders, given random and mutated bytes', () => {
  for (const [codecName, codec] of Object.entries(codecs)) {
    it(`${codecName}: decodes or throws an Error`, () => {
      fc.assert(fc.property(anyInput, (input) => {
        try {
          codec.decode(input, LIMITS)
        } catch (err) {
          assert.ok(err instanceof Error, `threw a ${typeof err}`)
        }
      }), { numRuns: RUNS })
    })
  }

  it('readAnnouncement and readBroadcast: an announcement, an envelope, or a reason; never a throw', () => {
    fc.assert(fc.property(anyInput, fc.boolean(), (data, signed) => {
      const msg: any = signed ? { type: 'signed', from: SENDER, topic: 't', data, sequenceNumber: 1n, signature: new Uint8Array(), key: SENDER.publicKey } : { type: 'unsigned', topic: 't', data }
      const announcement = readAnnouncement(msg)
      assert.ok(typeof announcement === 'string' || announcement.from === SENDER)
      const broadcast = readBroadcast(msg, 65_536)
      assert.ok(broadcast == null || (signed && broadcast.envelope.id.byteLength === 16))
    }), { numRuns: RUNS })
  })

  it('readPeerId and readMultiaddrs: a value or nothing; never a throw', () => {
    fc.assert(fc.property(fc.array(anyInput, { maxLength: 8 }), (inputs) => {
      for (const bytes of inputs) {
        readPeerId(bytes)
      }
      assert.ok(readMultiaddrs(inputs).length <= inputs.length)
    }), { numRuns: RUNS })
  })

  it('serveRequests: random chunks end the stream (closed or aborted) within its deadline; no frame over the limit reaches the handler', async () => {
    const MAX = 256
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), async (chunks) => {
      const handled: number[] = []
      const ended = await new Promise<string>((resolve) => {
        const stream: any = {
          protocol: '/test/1.0.0',
          source: (async function * () { yield * chunks.map(chunk => new Uint8ArrayList(chunk)) })(),
          sink: async (source: AsyncIterable<unknown>) => { for await (const _ of source) { /* replies are discarded */ } },
          close: async () => { resolve('closed') },
          abort: (err: Error) => { assert.ok(err instanceof Error); resolve('aborted') }
        }
        serveRequests(stream, { maxSize: MAX, idleTimeout: 1_000, log: Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as any }, (frame) => {
          handled.push(frame.byteLength)
          return { reply: new Uint8Array([1]) }
        })
      })
      assert.ok(ended === 'closed' || ended === 'aborted')
      assert.ok(handled.every(size => size <= MAX))
    }), { numRuns: 500 })
  })
})
