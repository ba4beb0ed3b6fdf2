import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import * as lp from 'it-length-prefixed'
import { pushable } from 'it-pushable'
import { toString as toHex } from 'uint8arrays/to-string'
import { MessageService, DirectMessage, DirectMessageAck } from '../../dist/internal.js'
import type { MessageInit } from '../../dist/internal.js'
import type { Uint8ArrayList } from 'uint8arraylist'

/** What a stub receiver does with a frame: acknowledge it with a status, or close the stream without a word. */
type Answer = DirectMessageAck.Status | 'close'

/** A stream to a stub receiver that answers each message it reads by `answer`, and records it. */
function stubStream (answer: (message: DirectMessage) => Answer, received: DirectMessage[]): unknown {
  const replies = pushable<Uint8Array>()
  return {
    source: replies,
    sink: async (source: AsyncIterable<Uint8Array | Uint8ArrayList>) => {
      for await (const frame of lp.decode(source)) {
        const message = DirectMessage.decode(frame)
        received.push(message)
        const status = answer(message)
        if (status === 'close') break
        replies.push(lp.encode.single(DirectMessageAck.encode({ id: message.id, status })).subarray())
      }
      replies.end()
    },
    abort: () => { replies.end() },
    close: async () => { replies.end() }
  }
}

/**
 * A started message service whose every new stream goes to the next of `receivers`: one answer function per stream.
 * Resolves with the service, the peer it sends to and the messages each stream read.
 */
async function senderTo (receivers: Array<(message: DirectMessage) => Answer>): Promise<{ send: () => Promise<string>, received: DirectMessage[][] }> {
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const received: DirectMessage[][] = []
  const host = {
    handle: async () => {},
    unhandle: async () => {},
    dial: async () => ({
      newStream: async () => {
        const answer = receivers[received.length]
        if (answer == null) throw new Error('no more streams in this test')
        received.push([])
        return stubStream(answer, received[received.length - 1])
      }
    }),
    logger: defaultLogger()
  } as unknown as ConstructorParameters<typeof MessageService>[0]
  const init = {
    protocolPrefix: 'test', timeout: 5_000, maxMessageBytes: 1024, name: 'alice', guard: {}, senderCheck: { refusal: async () => undefined }
  } as unknown as MessageInit
  const service = new MessageService(host, init)
  await service.start()
  return { send: async () => service.send(peer, new TextEncoder().encode('hello')), received }
}

describe('direct message retries', () => {
  it('sends a message once more, same id, when its stream closes before the acknowledgement; a duplicate counts as delivered', async () => {
    const delivered = new Set<string>()
    const receiver = (closeFirst: boolean) => (message: DirectMessage): Answer => {
      const id = toHex(message.id, 'base16')
      if (delivered.has(id)) return DirectMessageAck.Status.DUPLICATE
      delivered.add(id)
      return closeFirst ? 'close' : DirectMessageAck.Status.OK
    }
    const { send, received } = await senderTo([receiver(true), receiver(false)])
    const id = await send()
    assert.equal(received.length, 2, 'a second stream')
    assert.deepEqual(received.map(frames => frames.map(m => toHex(m.id, 'base16'))), [[id], [id]])
    assert.deepEqual([...delivered], [id], 'delivered once')
  })

  it('gives up after the second closed stream, with the reason', async () => {
    const { send, received } = await senderTo([() => 'close', () => 'close', () => DirectMessageAck.Status.OK])
    await assert.rejects(send(), /the stream was closed/)
    assert.equal(received.length, 2)
  })

  it('does not retry a refusal', async () => {
    const { send, received } = await senderTo([() => DirectMessageAck.Status.REJECTED, () => DirectMessageAck.Status.OK])
    await assert.rejects(send(), { name: 'RejectedError' })
    assert.equal(received.length, 1)
  })
})
