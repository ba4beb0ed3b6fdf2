import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { MemberList, Membership, RegistryRequest, RegistryResponse, Trust, type MembershipHooks, type MembershipInit } from '../../dist/internal.js'
import type { PeerId } from '@libp2p/interface'

const TIMING = { heartbeatInterval: 1000, suspectAfter: 3, deadAfter: 6 }
const newPeerId = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

/**
 * Membership over typed stubs: libp2p (who is connected), the registry and goodbye protocols (what was asked of whom),
 * a failure detector and dissemination that record what membership told them. The view and trust are real.
 */
async function setup (role: 'peer' | 'bootstrap', options: { operator?: boolean } = {}) {
  const self = await newPeerId()
  const bootstrap = await newPeerId()
  const neighbour = await newPeerId()
  const members = new MemberList(self, TIMING)
  const operators = new Set(options.operator === true ? [self.toString()] : [bootstrap.toString()])
  const trust = new Trust({ self, members, protocolPrefix: 'test', bootstraps: new Set([bootstrap.toString()]), operators })
  const asked: Array<{ to: string, kind: RegistryRequest.Kind, subject?: Uint8Array }> = []
  const goodbyes: string[] = []
  const told: string[] = []
  let hooks: MembershipHooks | undefined
  const libp2p = Object.assign(new EventTarget(), {
    peerId: self,
    getPeers: () => [bootstrap, neighbour],
    getConnections: () => [],
    peerStore: { merge: async () => {} },
    services: { pubsub: { getMeshPeers: () => [] } }
  })
  const serving = { serve: async () => {}, unserve: async () => {} }
  const protocols = {
    registry: { ...serving, ask: async (to: PeerId, request: RegistryRequest) => { asked.push({ to: to.toString(), kind: request.kind, subject: request.subject }); return { response: { status: RegistryResponse.Status.OK } } } },
    goodbye: { ...serving, ask: async (to: PeerId) => { goodbyes.push(to.toString()); return { response: {} } } },
    networkSize: serving
  }
  const dissemination = Object.assign(new EventTarget(), {
    topic: '/test/membership/1',
    rejected: 0,
    nonce: new Uint8Array(8),
    start: () => { told.push('start') },
    stop: () => { told.push('stop') },
    join: async () => { told.push('join') },
    certified: () => {},
    leave: async (reason: string) => { told.push(`leave ${reason}`) },
    memberGone: async (kind: string, member: { name: string }) => { told.push(`${kind} ${member.name}`) },
    orderShutdown: async (reason: string) => { told.push(`shutdown ${reason}`) }
  })
  const detector = { start: () => { told.push('detector start') }, stop: () => { told.push('detector stop') }, check: async () => false, lastAnswer: () => 0 }
  const membership = new Membership({
    libp2p,
    protocols,
    members,
    trust,
    protocolPrefix: 'test',
    role,
    describeSelf: () => ({ name: 'me', role, multiaddrs: [] }),
    broadcastTopic: '/test/broadcast/1',
    bootstraps: [multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${bootstrap.toString()}`)],
    heartbeatInterval: 1000,
    pingInterval: 1000,
    requestTimeout: 1000,
    maxAnnouncementAge: 60_000,
    log: Object.assign(() => {}, { enabled: false, error: () => {}, trace: () => {} }),
    failureDetector: (given: MembershipHooks) => { hooks = given; return detector },
    dissemination: () => dissemination
  } as unknown as MembershipInit)
  members.selfReport({ peerId: neighbour, name: 'neighbour', role: 'peer', multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/2')], nonce: 'aa', seq: 1, sentAt: Date.now(), heartbeatInterval: 1000 })
  return { membership, members, hooks: hooks as MembershipHooks, asked, goodbyes, told, dissemination, bootstrap, neighbour }
}

describe('Membership', () => {
  it('a peer node that finds a member unreachable holds it dead and reports it to its bootstraps, who check for themselves', async () => {
    const { membership, members, hooks, asked, told, bootstrap, neighbour } = await setup('peer')
    membership.start()
    hooks.unreachable(neighbour, 'no answer')
    assert.equal(members.get(neighbour)?.state, 'dead')
    assert.deepEqual(asked.map(a => [a.to, a.kind]), [[bootstrap.toString(), RegistryRequest.Kind.REPORT_DEAD]])
    assert.ok(!told.some(line => line.startsWith('dead')), 'a peer node does not announce deaths')
    membership.stop()
  })

  it('a bootstrap that finds a member unreachable tells the network', async () => {
    const { membership, hooks, told, neighbour } = await setup('bootstrap')
    membership.start()
    hooks.unreachable(neighbour, 'no answer')
    assert.ok(told.includes('dead neighbour'))
    membership.stop()
  })

  it('says nothing of deaths while stopped', async () => {
    const { hooks, asked, neighbour } = await setup('peer')
    hooks.unreachable(neighbour, 'no answer')
    assert.deepEqual(asked, [])
  })

  it('leaves by stopping its failure detector, announcing, then saying goodbye to every connected peer and deregistering', async () => {
    const { membership, goodbyes, asked, told, bootstrap, neighbour } = await setup('peer')
    membership.start()
    await membership.leave('leaving', 'bye')
    assert.deepEqual(told.slice(-2), ['detector stop', 'leave bye'])
    assert.deepEqual(goodbyes.sort(), [bootstrap.toString(), neighbour.toString()].sort())
    assert.deepEqual(asked.map(a => a.kind), [RegistryRequest.Kind.DEREGISTER])
    membership.stop()
  })

  it('orders a shutdown only as an operator', async () => {
    const stranger = await setup('peer')
    await assert.rejects(stranger.membership.orderShutdown('now'), { name: 'NotOperatorError' })
    assert.ok(!stranger.told.some(line => line.startsWith('shutdown')))
    const operator = await setup('bootstrap', { operator: true })
    await operator.membership.orderShutdown('now')
    assert.ok(operator.told.includes('shutdown now'))
  })

  it('passes on a shutdown that dissemination heard, and a goodbye marks the member left', async () => {
    const { membership, members, dissemination, neighbour } = await setup('peer')
    const orders: string[] = []
    membership.addEventListener('shutdown', (evt) => { orders.push(evt.detail.reason) })
    dissemination.dispatchEvent(new CustomEvent('shutdown', { detail: { from: neighbour, reason: 'maintenance' } }))
    assert.deepEqual(orders, ['maintenance'])
    membership.onGoodbye(neighbour, 'leaving', '')
    assert.equal(members.get(neighbour)?.state, 'left')
  })
})
