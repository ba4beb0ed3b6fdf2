import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode, type P2PNode } from '../../dist/index.js'
import { MAX_PEERS_PER_ANSWER } from '../../dist/protocols/peer-exchange/index.js'
import type { MemberList } from '../../dist/membership/members.js'

const started: P2PNode[] = []
after(async () => { await Promise.all(started.map(async node => node.stop())) })

describe('catching up with a bootstrap', () => {
  it('pages through its whole view, more members than one answer holds', async () => {
    const bootstrap = await createNode({ role: 'bootstrap' })
    started.push(bootstrap)
    // registered members as the bootstrap's view holds them; their addresses are closed loopback ports
    const view = (bootstrap as any).memberList as MemberList
    const count = 2 * MAX_PEERS_PER_ANSWER + 5
    const ids = await Promise.all(Array.from({ length: count }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
    ids.forEach((peerId, i) => {
      view.selfReport({ peerId, name: `m-${i}`, role: 'peer', multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${i + 1}`)], nonce: 'aa', seq: 0, sentAt: Date.now(), heartbeatInterval: 60_000 }, Date.now(), true)
    })
    const node = await createNode({ name: 'late', bootstrap: bootstrap.multiaddrs })
    started.push(node)

    // the first answer starts with the bootstrap itself: it once held one record too many, and the asker refused it
    // (the node's own first exchange, a sample, may have added some already)
    await node.libp2p.services.peerExchange.exchangeAll(bootstrap.peerId)

    const names = new Set(node.members().map(member => member.name))
    assert.deepEqual(ids.map((_, i) => `m-${i}`).filter(name => !names.has(name)), [])
  })
})
