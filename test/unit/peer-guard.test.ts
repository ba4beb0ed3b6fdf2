import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { BAN_STRIKES, PeerGuard, STRIKES, issueCertificate, verifyCertificate } from '../../dist/internal.js'
import type { PeerId } from '@libp2p/interface'

const LIMITS = { broadcastsPerSecond: 10, directPerSecond: 10, requestsPerSecond: 5, announcementsPerSecond: 5, subscriptionsPerSecond: 1 }
const log = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as any

async function newPeer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

describe('PeerGuard', () => {
  it('allows a burst of twice the rate, refills with time, and strikes each refusal', async () => {
    const guard = new PeerGuard({ limits: LIMITS, banDuration: 60_000, log })
    const peer = await newPeer()
    const t = 1_000_000
    const allowed = Array.from({ length: 25 }, () => guard.allow(peer, 'directPerSecond', '', t)).filter(Boolean).length
    assert.equal(allowed, 20)
    assert.equal(guard.score(peer.toString(), t), -5 * STRIKES.overLimit)
    assert.equal(guard.allow(peer, 'directPerSecond', '', t + 100), true, 'a token a tenth of a second later at 10/s')
    assert.equal(guard.allow(peer, 'broadcastsPerSecond', '', t), true, 'limits are separate')
  })

  it('bans at BAN_STRIKES, refuses everything while banned, and forgets the ban after banDuration', async () => {
    const banned: string[] = []
    const guard = new PeerGuard({ limits: LIMITS, banDuration: 60_000, log })
    guard.addEventListener('peer:banned', (evt) => { banned.push(evt.detail.peerId.toString()) })
    const peer = await newPeer()
    const t = Date.now()
    for (let i = 0; i < BAN_STRIKES / STRIKES.malformed; i++) {
      guard.strike(peer, STRIKES.malformed, 'test', t)
    }
    assert.deepEqual(banned, [peer.toString()])
    assert.equal(guard.isBanned(peer, t), true)
    assert.equal(guard.allow(peer, 'directPerSecond', '', t + 1), false)
    assert.equal(await guard.gater().denyDialPeer!(peer), true)
    assert.ok(guard.score(peer.toString(), t) <= -BAN_STRIKES)
    assert.deepEqual(guard.stats(t), { now: 1, total: 1 })
    assert.equal(guard.isBanned(peer, t + 60_001), false)
  })

  it("lets strikes decay, so an honest peer's rare burst is forgotten", async () => {
    const guard = new PeerGuard({ limits: LIMITS, banDuration: 60_000, log })
    const peer = await newPeer()
    const t = 3_000_000
    guard.strike(peer, 60, 'burst', t)
    guard.strike(peer, 30, 'burst', t + 20_000) // 60 halved twice, plus 30: below the ban
    assert.equal(guard.isBanned(peer, t + 20_000), false)
    assert.ok(Math.abs(guard.score(peer.toString(), t + 20_000) + 45) < 0.01)
  })

  it('admits at most maxOpen streams of a protocol at once, and frees a slot on release', async () => {
    const guard = new PeerGuard({ limits: { ...LIMITS, requestsPerSecond: 100 }, banDuration: 60_000, log })
    const peer = await newPeer()
    const releases = Array.from({ length: 3 }, () => guard.admitStream(peer, '/p/1', 2))
    assert.equal(releases.filter(r => r != null).length, 2)
    releases[0]!()
    releases[0]!() // twice is harmless
    assert.notEqual(guard.admitStream(peer, '/p/1', 2), undefined)
    assert.equal(guard.admitStream(peer, '/p/1', 2), undefined)
  })

  it('never limits an exempt peer', async () => {
    const self = await newPeer()
    const guard = new PeerGuard({ limits: LIMITS, banDuration: 60_000, exempt: (peer) => peer.equals(self), log })
    for (let i = 0; i < 1000; i++) assert.equal(guard.allow(self, 'subscriptionsPerSecond', '', 0), true)
    guard.ban(self, 'test')
    assert.equal(guard.isBanned(self), false)
  })
})

describe('membership certificates', () => {
  it('verify for the signed peer, name and nonce only', async () => {
    const issuerKey = await generateKeyPair('Ed25519')
    const issuer = peerIdFromPrivateKey(issuerKey)
    const member = await newPeer()
    const nonce = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])
    const certificate = await issueCertificate(issuerKey, 'p2p-node', member, 'alice', nonce)
    assert.equal(await verifyCertificate(issuer, certificate, 'p2p-node', member, 'alice', nonce), true)
    assert.equal(await verifyCertificate(issuer, certificate, 'p2p-node', member, 'alicf', nonce), false)
    assert.equal(await verifyCertificate(issuer, certificate, 'p2p-node', member, 'alice', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 9])), false)
    assert.equal(await verifyCertificate(issuer, certificate, 'p2p-node', await newPeer(), 'alice', nonce), false)
    assert.equal(await verifyCertificate(issuer, certificate, 'other-net', member, 'alice', nonce), false)
    assert.equal(await verifyCertificate(member, certificate, 'p2p-node', member, 'alice', nonce), false)
    assert.equal(await verifyCertificate(issuer, new Uint8Array(5), 'p2p-node', member, 'alice', nonce), false)
  })
})
