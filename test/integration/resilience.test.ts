import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import { createNode, type P2PNode } from '../../dist/index.js'
import { freePort, waitFor } from '../helpers.ts'

const started: P2PNode[] = []
after(async () => { await Promise.all(started.map(async node => node.stop())) })

describe('bootstrap outages', () => {
  it('a node started while its bootstrap is down keeps retrying, joins when it comes up, and re-bootstraps after losing it', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    const port = await freePort()
    const address = `/ip4/127.0.0.1/tcp/${port}/p2p/${peerIdFromPrivateKey(privateKey).toString()}`
    const bootstrapInit = { role: 'bootstrap' as const, privateKey, listen: [`/ip4/127.0.0.1/tcp/${port}`] }

    const node = await createNode({ name: 'patient', bootstrap: [address] })
    started.push(node)
    const bootstrapId = peerIdFromPrivateKey(privateKey)
    // the first dial has failed: libp2p records it on the bootstrap's peer store entry
    await waitFor(async () => {
      const peer = await node.libp2p.peerStore.get(bootstrapId).catch(() => undefined)
      return peer?.metadata.has('last-dial-failure') === true
    }, 'the first bootstrap dial failed', 10_000)
    assert.equal(node.libp2p.getConnections().length, 0)

    let bootstrap = await createNode(bootstrapInit)
    started.push(bootstrap)
    await waitFor(() => node.libp2p.getPeers().some(peer => peer.equals(bootstrapId)), 'the node reached the late bootstrap', 15_000)

    // lose the bootstrap, the node's only connection, then bring it back on the same key and port
    await bootstrap.stop()
    await waitFor(() => node.libp2p.getConnections().length === 0, 'the node lost its only connection', 10_000)
    bootstrap = await createNode(bootstrapInit)
    started.push(bootstrap)
    await waitFor(() => node.libp2p.getPeers().some(peer => peer.equals(bootstrapId)), 'the node re-bootstrapped', 20_000)
    assert.ok(node.isStarted)
  })
})

describe('malformed and oversized frames', () => {
  it('close only the offending stream and keep serving; a peer that keeps sending them is banned', async () => {
    const bootstrap = await createNode({ role: 'bootstrap' })
    const target = await createNode({ name: 'target', bootstrap: bootstrap.multiaddrs })
    const attacker = await createNode({ name: 'attacker', bootstrap: bootstrap.multiaddrs })
    started.push(bootstrap, target, attacker)
    const received: string[] = []
    target.addEventListener('message', evt => { received.push(evt.detail.text) })

    // each costs the sender 10 strikes; at 80 it is banned
    const frames: Array<[string, Uint8Array[]]> = [
      ['/p2p-node/message/1.0.0', [new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])]], // a length prefix of 4 GiB
      ['/p2p-node/message/1.0.0', [lp.encode.single(new Uint8Array([0x0a, 0xff, 0x01])).subarray()]], // truncated protobuf
      ['/p2p-node/message/1.0.0', [lp.encode.single(new Uint8Array(70_000)).subarray()]], // over the frame limit
      ['/p2p-node/peer-exchange/1.0.0', [lp.encode.single(new Uint8Array([0x0a, 0x05, 0x20, 0x20])).subarray()]], // a name with spaces, truncated
      ['/p2p-node/status/1.0.0', [new Uint8Array([0x85])]], // a length prefix cut short
      ['/p2p-node/registry/1.0.0', [lp.encode.single(new Uint8Array([0x08, 0x01, 0x12, 0x40])).subarray()]], // REGISTER, name truncated
      ['/p2p-node/registry/1.0.0', [lp.encode.single(new Uint8Array(5_000)).subarray()]], // over the frame limit
      ['/p2p-node/goodbye/1.0.0', [lp.encode.single(new Uint8Array([0x12, 0x7f])).subarray()]], // a message cut short
      ['/p2p-node/network-size/1.0.0', [lp.encode.single(new Uint8Array(2_000)).subarray()]] // over the frame limit
    ]
    const sendBadFrame = async ([protocol, chunks]: [string, Uint8Array[]]): Promise<void> => {
      const stream = await attacker.libp2p.dialProtocol(target.peerId, protocol)
      const replies = await pipe(chunks, stream, (source) => lp.decode(source), async (source) => {
        const out: number[] = []
        for await (const frame of source) out.push(frame.byteLength)
        return out
      }).catch(() => ['reset'])
      assert.ok(replies.length <= 1, `${protocol}: at most one error reply, then the stream ends`)
    }
    await attacker.libp2p.dial(target.libp2p.getMultiaddrs())
    await waitFor(() => target.members().find(member => member.name === 'attacker')?.state === 'alive', 'the target knows the attacker')
    for (const frame of frames.slice(0, 7)) {
      await sendBadFrame(frame)
    }
    assert.equal(received.length, 0, 'nothing reached the application')
    assert.equal(target.members().find(member => member.name === 'attacker')?.state, 'alive', 'a bad goodbye made the attacker look gone')
    const status = await attacker.status(target.peerId)
    assert.equal(status.name, 'target')
    await attacker.send('target', 'still listening?')
    await waitFor(() => received.includes('still listening?'), 'an honest message after the bad frames')

    for (const frame of frames.slice(7)) {
      await sendBadFrame(frame).catch(() => {}) // the ban may close the connection under it
    }
    await waitFor(() => target.networkStatus().bans.now === 1, 'the attacker is banned')
    await waitFor(() => target.libp2p.getConnections(attacker.peerId).length === 0, 'the attacker is hung up on')
    await assert.rejects(attacker.status(target.peerId), 'a banned peer reconnected')
    assert.equal((await bootstrap.status(target.peerId)).name, 'target', 'the target stopped serving others')
  })
})
