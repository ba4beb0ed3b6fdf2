import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { MemberList, SenderCheck } from '../../dist/internal.js'
import type { PeerId } from '@libp2p/interface'

const T = 1_700_000_000_000

async function peer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/**
 * A view holding `amy`, vouched for; the bootstraps' answers are `registered` (peer id -> name); certificates heard
 * second-hand hold for the peers in `certified`.
 */
async function setup (): Promise<{ check: SenderCheck, members: MemberList, amy: PeerId, registered: Map<string, string>, asked: string[], certified: Set<string> }> {
  const members = new MemberList(await peer(), { heartbeatInterval: 1000, suspectAfter: 3, deadAfter: 6 })
  const amy = await peer()
  members.selfReport({ peerId: amy, name: 'amy', role: 'peer', multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/1')], nonce: 'aa', seq: 1, sentAt: T, heartbeatInterval: 1000 }, T)
  members.markVerified(amy, 'aa')
  const registered = new Map<string, string>()
  const asked: string[] = []
  const certified = new Set<string>()
  const check = new SenderCheck({
    members,
    replayWindow: 60_000,
    checkCertificate: async (member) => {
      if (member.certificate == null || !certified.has(member.peerId.toString())) return false
      members.markVerified(member.peerId, member.nonce)
      return true
    },
    lookUp: async (p) => { asked.push(p.toString()); return registered.get(p.toString()) }
  })
  return { check, members, amy, registered, asked, certified }
}

describe('the sender check', () => {
  it('delivers a vouched-for live member\'s message without asking the bootstraps', async () => {
    const { check, amy, asked } = await setup()
    assert.equal(await check.refusal(amy, 'amy', 'm1', T, T), undefined)
    assert.deepEqual(asked, [])
  })

  it('asks the bootstraps about a member this node holds dead: delivered if they know it, refused if not', async () => {
    const { check, members, amy, registered, asked } = await setup()
    members.markDead(amy, 'aa', T + 10)
    assert.deepEqual(await check.refusal(amy, 'amy', 'm1', T + 20, T + 20), { kind: 'stranger', reason: 'the sender is not a live member of the network' })
    registered.set(amy.toString(), 'amy')
    assert.equal(await check.refusal(amy, 'amy', 'm2', T + 30, T + 30), undefined)
    assert.equal(asked.length, 2)
  })

  it('takes the name of a member heard of second-hand from the certificate its teller passed on, once, else asks the bootstraps', async () => {
    const { check, members, asked, certified } = await setup()
    const [bob, cat] = [await peer(), await peer()]
    for (const [id, name] of [[bob, 'bob'], [cat, 'cat']] as const) {
      members.hearsay({ peerId: id, name, role: 'peer', multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/2')], lastSeen: T, nonce: 'bb', certificate: { issuer: id, signature: new Uint8Array(64) } }, T)
    }
    certified.add(bob.toString())
    assert.equal(await check.refusal(bob, 'bob', 'm1', T, T), undefined)
    assert.equal(members.get(bob)?.verifiedNonce, 'bb')
    assert.deepEqual(asked, [])
    // a certificate that does not hold: the bootstraps decide
    assert.equal((await check.refusal(cat, 'cat', 'm1', T, T))?.kind, 'stranger')
    assert.deepEqual(asked, [cat.toString()])
  })

  it('refuses a message under another name than the registered one, and a replay', async () => {
    const { check, amy } = await setup()
    assert.equal((await check.refusal(amy, 'bob', 'm1', T, T))?.kind, 'name')
    assert.equal(await check.refusal(amy, 'amy', 'm1', T, T), undefined)
    assert.equal((await check.refusal(amy, 'amy', 'm1', T, T))?.kind, 'replay')
  })
})
