import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { MemberList } from '../../dist/internal.js'

const TIMING = { heartbeatInterval: 1000, suspectAfter: 3, deadAfter: 6 }
const T = 1_700_000_000_000

async function peer (): Promise<any> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

async function setup (): Promise<{ list: MemberList, events: string[], other: any }> {
  const list = new MemberList(await peer(), TIMING)
  const events: string[] = []
  for (const type of ['member:join', 'member:suspect', 'member:dead', 'member:leave'] as const) {
    list.addEventListener(type, evt => { events.push(`${type.slice(7)} ${evt.detail.name}`) })
  }
  return { list, events, other: await peer() }
}

function report (peerId: any, fields: object = {}): any {
  return { peerId, name: 'amy', role: 'peer', multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/1')], nonce: 'aa', seq: 1, sentAt: T, heartbeatInterval: 1000, ...fields }
}

describe('the membership view', () => {
  it('moves a silent member from alive to suspect to dead, by its heartbeat interval', async () => {
    const { list, events, other } = await setup()
    list.selfReport(report(other), T)
    list.sweep(T + 3000)
    assert.equal(list.get(other)?.state, 'alive')
    list.sweep(T + 3001)
    assert.equal(list.get(other)?.state, 'suspect')
    list.selfReport(report(other, { seq: 2 }), T + 3500)
    assert.equal(list.get(other)?.state, 'alive')
    list.sweep(T + 3500 + 6001)
    assert.equal(list.get(other)?.state, 'dead')
    assert.deepEqual(events, ['join amy', 'suspect amy', 'dead amy'])
    // tombstones are listed for two dead-timeouts, then forgotten
    list.sweep(T + 3500 + 6001 + 12_000)
    assert.ok(list.get(other) != null)
    list.sweep(T + 3500 + 6001 + 12_001)
    assert.equal(list.get(other), undefined)
  })

  it('times out a member known only second-hand by the interval its teller heard, else at the pace of a network this size', async () => {
    const { list } = await setup()
    const told = await peer()
    const untold = await peer()
    // a network of 50: every member heartbeats every 10 base intervals (see stretchedInterval)
    const others = await Promise.all(Array.from({ length: 48 }, async () => peer()))
    for (const [i, id] of others.entries()) list.selfReport(report(id, { name: `m${i}`, heartbeatInterval: 10_000 }), T)
    list.hearsay({ peerId: told, name: 'told', role: 'peer', multiaddrs: [], lastSeen: T, heartbeatInterval: 20_000 }, T)
    list.hearsay({ peerId: untold, name: 'untold', role: 'peer', multiaddrs: [], lastSeen: T }, T)
    list.sweep(T + 31_000) // past 3 of the network's intervals, short of 3 of the one told
    assert.equal(list.get(untold)?.state, 'suspect')
    assert.equal(list.get(told)?.state, 'alive')
    list.sweep(T + 61_000)
    assert.equal(list.get(untold)?.state, 'dead')
    assert.equal(list.get(told)?.state, 'suspect')
    // hearsay older than six base intervals, but not than six of the network's, still counts
    const late = await peer()
    assert.ok(list.hearsay({ peerId: late, name: 'late', role: 'peer', multiaddrs: [], lastSeen: T + 61_000 - 50_000 }, T + 61_000))
  })

  it('times out a member that declared a short interval on joining at no faster than the pace of a network this size', async () => {
    const { list } = await setup()
    const joiner = await peer()
    // a network of 15: every member heartbeats every 3 base intervals
    const others = await Promise.all(Array.from({ length: 14 }, async () => peer()))
    for (const [i, id] of others.entries()) list.selfReport(report(id, { name: `m${i}`, heartbeatInterval: 3000 }), T)
    list.sweep(T)
    // it JOINed knowing few members: it declared the base interval, and its next heartbeat comes at the network's pace
    list.selfReport(report(joiner, { name: 'joiner', heartbeatInterval: 1000 }), T)
    list.sweep(T + 8_000) // past 6 of the intervals it declared, short of 3 of the network's
    assert.equal(list.get(joiner)?.state, 'alive')
    list.sweep(T + 9_001)
    assert.equal(list.get(joiner)?.state, 'suspect')
    list.sweep(T + 18_001)
    assert.equal(list.get(joiner)?.state, 'dead')
  })

  it('keeps the certificate a teller passes on for the start and name it knows, and drops it when the member restarts', async () => {
    const { list, other } = await setup()
    const certificate = { issuer: other, signature: new Uint8Array(64) }
    const told = { peerId: other, name: 'amy', role: 'peer' as const, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/1')], nonce: 'aa', seq: 1, certificate }
    list.hearsay({ ...told, lastSeen: T }, T)
    assert.equal(list.get(other)?.certificate, certificate)
    const stranger = await peer()
    list.hearsay({ ...told, peerId: stranger, nonce: undefined, lastSeen: T }, T)
    assert.equal(list.get(stranger)?.certificate, undefined) // no start to tie it to
    list.selfReport(report(other, { nonce: 'bb', seq: 1, sentAt: T + 10 }), T + 10)
    assert.equal(list.get(other)?.certificate, undefined)
    list.hearsay({ ...told, lastSeen: T + 20 }, T + 20) // still the old start's
    assert.equal(list.get(other)?.certificate, undefined)
  })

  it('ignores repeated and older announcements, and treats a new nonce sent later as a restart', async () => {
    const { list, events, other } = await setup()
    assert.ok(list.selfReport(report(other, { seq: 5 }), T))
    assert.equal(list.selfReport(report(other, { seq: 5 }), T), false)
    assert.equal(list.selfReport(report(other, { seq: 4 }), T), false)
    assert.equal(list.selfReport(report(other, { nonce: 'bb', sentAt: T - 1 }), T), false, 'an older start')
    assert.ok(list.selfReport(report(other, { nonce: 'bb', seq: 1, sentAt: T + 1 }), T))
    assert.equal(list.get(other)?.nonce, 'bb')
    assert.deepEqual(events, ['join amy', 'join amy'])
  })

  it('never lets heartbeats sent before a LEAVE, or hearsay, bring a departed member back', async () => {
    const { list, other } = await setup()
    list.selfReport(report(other, { seq: 3 }), T)
    list.markLeft(other, 5, T + 10)
    assert.equal(list.selfReport(report(other, { seq: 4 }), T + 20), false)
    list.hearsay({ ...report(other), lastSeen: T + 30 }, T + 30)
    assert.equal(list.get(other)?.state, 'left')
    assert.equal(list.live().length, 0)
  })

  it('records a member a discovery answer says is dead quietly, and ignores its last announcements', async () => {
    const { list, events, other } = await setup()
    list.hearsay({ ...report(other), lastSeen: T, state: 'dead', nonce: 'aa', seq: 9 }, T)
    assert.equal(list.get(other)?.state, 'dead')
    assert.equal(list.selfReport(report(other, { seq: 9 }), T + 1), false, 'a stale heartbeat from gossip')
    assert.deepEqual(events, [])
    // its restart is a join
    assert.ok(list.selfReport(report(other, { nonce: 'cc', seq: 1, sentAt: T + 2 }), T + 2))
    assert.equal(list.get(other)?.state, 'alive')
    assert.deepEqual(events, ['join amy'])
  })

  it('does not revive a dead member on its heartbeat sent before the verdict, only on a later one', async () => {
    const { list, other } = await setup()
    list.selfReport(report(other, { seq: 1, sentAt: T }), T)
    list.markDead(other, 'aa', T + 100)
    assert.equal(list.selfReport(report(other, { seq: 2, sentAt: T + 50 }), T + 200), false, 'a late copy of an old heartbeat')
    assert.equal(list.get(other)?.state, 'dead')
    assert.ok(list.selfReport(report(other, { seq: 3, sentAt: T + 300 }), T + 300))
    assert.equal(list.get(other)?.state, 'alive')
  })

  it('does not revive a dead member it knew only by discovery on an announcement sent before the verdict', async () => {
    const { list, other } = await setup()
    list.hearsay({ peerId: other, name: 'amy', role: 'bootstrap', multiaddrs: [], lastSeen: T }, T) // no start known
    list.markDead(other, undefined, T + 100)
    assert.equal(list.selfReport(report(other, { sentAt: T + 50 }), T + 200), false, 'its first announcement, late by gossip')
    assert.equal(list.get(other)?.state, 'dead')
    assert.ok(list.selfReport(report(other, { sentAt: T + 300 }), T + 300))
    assert.equal(list.get(other)?.state, 'alive')
  })

  it('ignores a death verdict sent before the member was last seen alive (a copy held up by a partition)', async () => {
    const { list, other } = await setup()
    list.selfReport(report(other, { seq: 1, sentAt: T }), T)
    list.markDead(other, 'aa', T + 100, T + 100) // found dead during a cut
    list.selfReport(report(other, { seq: 2, sentAt: T + 500 }), T + 500) // back after the heal
    assert.equal(list.markDead(other, 'aa', T + 600, T + 100), undefined, 'a late copy of the verdict')
    assert.equal(list.get(other)?.state, 'alive')
    assert.ok(list.markDead(other, 'aa', T + 700, T + 700) != null, 'a verdict sent after it')
    // known only by discovery, seen alive by its teller after the verdict was sent
    const told = await peer()
    list.hearsay({ peerId: told, name: 'told', role: 'peer', multiaddrs: [], lastSeen: T + 900 }, T + 1000)
    assert.equal(list.markDead(told, undefined, T + 1000, T + 800), undefined)
    assert.equal(list.get(told)?.state, 'alive')
  })

  it('marks a member dead only for the start that was found dead', async () => {
    const { list, other } = await setup()
    list.selfReport(report(other, { nonce: 'bb' }), T)
    assert.equal(list.markDead(other, 'aa', T + 1), undefined)
    assert.equal(list.get(other)?.state, 'alive')
    assert.ok(list.markDead(other, 'bb', T + 1) != null)
  })

  it('finds live members by name, and samples the recently gone ones first', async () => {
    const { list } = await setup()
    const peers = await Promise.all(Array.from({ length: 30 }, peer))
    peers.forEach((p, i) => list.selfReport(report(p, { name: `m-${i}` }), T))
    list.markLeft(peers[0], 0, T + 1)
    assert.equal(list.findByName('m-0'), undefined)
    assert.equal(list.findByName('m-1')?.peerId, peers[1])
    const sample = list.sample(10)
    assert.equal(sample.length, 10)
    assert.equal(sample[0].name, 'm-0')
    assert.equal(new Set(sample.map(m => m.name)).size, 10)
  })

  it('finds a member by the name it goes by now: a restart under a new name, a name passed on, a member forgotten', async () => {
    const { list, other } = await setup()
    const heir = await peer()
    list.selfReport(report(other, { name: 'amy' }), T)
    list.selfReport(report(other, { name: 'bob', nonce: 'bb', sentAt: T + 1 }), T + 1)
    assert.equal(list.findByName('amy'), undefined)
    assert.equal(list.findByName('bob')?.peerId, other)
    list.hearsay({ peerId: heir, name: 'bob', role: 'peer', multiaddrs: [], lastSeen: T + 2 }, T + 2)
    list.markLeft(other, 0, T + 3)
    assert.equal(list.findByName('bob')?.peerId, heir)
    list.sweep(T + 10_000_000) // both long gone or silent, and forgotten
    assert.equal(list.get(other), undefined)
    assert.equal(list.findByName('bob'), undefined)
  })

  it('pages through every member in peer id order, members added and forgotten since included', async () => {
    const { list } = await setup()
    const peers = await Promise.all(Array.from({ length: 25 }, peer))
    peers.forEach((p, i) => list.selfReport(report(p, { name: `m-${i}` }), T))
    const pages = (): string[] => [0, 10, 20].flatMap(offset => list.page(offset, 10).map(m => m.peerId.toString()))
    assert.deepEqual(pages(), peers.map(String).sort())
    const late = await peer()
    list.selfReport(report(late, { name: 'late' }), T)
    assert.deepEqual(pages(), [...peers, late].map(String).sort())
    list.markLeft(peers[3], 0, T)
    list.sweep(T + 1) // gone, but listed for two dead timeouts
    assert.equal(pages().length, 26)
    list.sweep(T + 2 * 6 * 3000) // 25 live members: each heartbeats every 3 base intervals
    assert.equal(pages().length, 26)
    list.sweep(T + 2 * 6 * 3000 + 1)
    assert.deepEqual(pages(), [...peers.filter(p => p !== peers[3]), late].map(String).sort())
  })
})
