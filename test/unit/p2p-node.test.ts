import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { JoinRefusedError, P2PNode } from '../../dist/index.js'
import type { NodeParts } from '../../dist/internal.js'

/** The facade over stub parts: each part an event target, libp2p never started. */
async function facade () {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const part = (): EventTarget => new EventTarget()
  const membership = Object.assign(part(), { registrations: { isJoined: false } })
  const parts = {
    libp2p: Object.assign(part(), { peerId, status: 'stopped', logger: { forComponent: () => Object.assign(() => {}, { enabled: false }) }, stop: async () => {} }),
    config: { role: 'peer', maxMessageBytes: 1024, requestTimeout: 1000 },
    name: 'facade',
    members: part(),
    lookup: {},
    membership,
    keeper: part(),
    readiness: Object.assign(part(), { isReady: true }),
    broadcaster: part(),
    messages: part(),
    status: {},
    policing: {},
    guard: part()
  } as unknown as NodeParts
  return { node: new P2PNode(parts, '/test/broadcast/1'), parts, peerId }
}

describe('P2PNode, the facade', () => {
  it('passes its parts\' messages on as NodeMessages, with the kind and the payload as text', async () => {
    const { node, parts, peerId } = await facade()
    const received: Array<{ kind: string, text: string, fromName: string }> = []
    node.addEventListener('message', (evt) => { received.push({ kind: evt.detail.kind, text: evt.detail.text, fromName: evt.detail.fromName }) })
    const detail = { id: 'ab', from: peerId, senderName: 'amy', payload: new TextEncoder().encode('hi'), sentAt: 1 }
    parts.broadcaster.dispatchEvent(new CustomEvent('message', { detail }))
    parts.messages.dispatchEvent(new CustomEvent('message', { detail }))
    assert.deepEqual(received, [{ kind: 'broadcast', text: 'hi', fromName: 'amy' }, { kind: 'direct', text: 'hi', fromName: 'amy' }])
  })

  it('reports refused messages with their kind and reason', async () => {
    const { node, parts } = await facade()
    const rejected: string[] = []
    node.addEventListener('message:rejected', (evt) => { rejected.push(`${evt.detail.kind}: ${evt.detail.reason}`) })
    parts.messages.dispatchEvent(new CustomEvent('rejected', { detail: { id: 'ab', senderName: 'amy', reason: 'a replay' } }))
    assert.deepEqual(rejected, ['direct: a replay'])
  })

  it('tells of joining, readiness and bans as its parts report them', async () => {
    const { node, parts, peerId } = await facade()
    const events: string[] = []
    for (const type of ['joined', 'ready', 'peer:banned'] as const) node.addEventListener(type, () => { events.push(type) })
    parts.membership.dispatchEvent(new CustomEvent('joined', { detail: { bootstrap: peerId } }))
    parts.readiness.dispatchEvent(new CustomEvent('ready'))
    parts.guard.dispatchEvent(new CustomEvent('peer:banned', { detail: { peerId, reason: 'flooding' } }))
    assert.deepEqual(events, ['joined', 'ready', 'peer:banned'])
  })

  it('a bootstrap failing with another peer at its address while joining is a refusal, anything else is a retry', async () => {
    const { node, parts } = await facade()
    const events: string[] = []
    node.addEventListener('bootstrap:failed', (evt) => { events.push(`failed: ${evt.detail.error}`) })
    node.addEventListener('refused', (evt) => { events.push(`refused: ${evt.detail.reason}`) })
    const address = multiaddr('/ip4/127.0.0.1/tcp/1')
    parts.keeper.dispatchEvent(new CustomEvent('bootstrap:failed', { detail: { address, error: new Error('connection refused') } }))
    parts.keeper.dispatchEvent(new CustomEvent('bootstrap:failed', { detail: { address, error: new JoinRefusedError('wrong-peer-id', 'another peer answers') } }))
    assert.deepEqual(events, ['failed: connection refused', 'refused: wrong-peer-id'])
  })

  it('refuses to broadcast or send while not started, and is not ready', async () => {
    const { node } = await facade()
    assert.equal(node.isReady, false)
    await assert.rejects(node.broadcast('hi'), { name: 'NotStartedError' })
    await assert.rejects(node.send('someone', 'hi'), { name: 'NotStartedError' })
  })
})
