import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNode, type P2PNode } from '../../dist/index.js'
import { waitFor } from '../helpers.ts'
import { Swarm, type RemoteNode } from '../swarm/index.ts'

/** Peers besides the bootstrap. P2P_TEST_NODES=50 npm test runs the same suite at 50. */
const PEERS = Number(process.env.P2P_TEST_NODES ?? 24)

describe(`a bootstrap and ${PEERS} nodes`, () => {
  const swarm = new Swarm()
  let bootstrap: RemoteNode
  let nodes: RemoteNode[]
  let all: RemoteNode[]

  before(async () => {
    const start = Date.now()
    ;({ bootstrap, nodes, all } = await swarm.network(PEERS))
    await waitFor(async () => {
      const snapshots = await swarm.snapshot()
      return nodes.every(node => snapshots.get(node.key)!.peerConnections >= 4 && snapshots.get(node.key)!.meshPeers >= 3)
    }, 'every node with 4 peer connections and 3 mesh peers', 60_000)
    console.log(`# ${PEERS} nodes connected with meshes formed in ${Date.now() - start} ms`)
  })

  after(async () => { await swarm.stop() })

  it('connects every node to several other nodes, not only to the bootstrap', async () => {
    const snapshots = await swarm.snapshot()
    for (const node of nodes) {
      const { peerConnections } = snapshots.get(node.key)!
      assert.ok(peerConnections >= 4, `${node.name} has ${peerConnections} peer connections`)
    }
    // the bootstrap stays out of the mesh, so the mesh is not a star around it
    assert.equal(snapshots.get(bootstrap.key)!.meshPeers, 0)
  })

  it('keeps every node in the mesh with at least Dlo (3) peers, grafting again after a prune', async () => {
    // A peer whose mesh grows past Dhi prunes it back to D at random, and a node it drops can fall below Dlo for a
    // heartbeat or more (seen once in CI: a node at 1, just after all had 3), so the meshes are waited for.
    const start = Date.now()
    let below: string[] = []
    await waitFor(async () => {
      const snapshots = await swarm.snapshot()
      below = nodes.filter(node => snapshots.get(node.key)!.meshPeers < 3).map(node => node.name)
      return below.length === 0
    }, 'every node with 3 mesh peers', 30_000).catch(() => {
      assert.fail(`below 3 mesh peers for 30 s: ${below.join(', ')}`)
    })
    if (Date.now() - start > 100) console.log(`# meshes back at 3 peers or more after ${Date.now() - start} ms`)
  })

  it('delivers broadcasts from any node to every node, 100%', async () => {
    const publishers = [nodes[0], nodes[Math.floor(PEERS / 2)], nodes[PEERS - 1]]
    for (const [round, publisher] of publishers.entries()) {
      const text = `broadcast ${round} from ${publisher.name}`
      const receivers = all.filter(node => node !== publisher)
      const start = Date.now()
      const result = await publisher.broadcast(text)
      assert.match(result.id, /^[0-9a-f]{32}$/)
      assert.ok(result.recipients > 0)
      await waitFor(() => receivers.every(node => node.received().includes(text)),
        `${text}: ${receivers.filter(node => node.received().includes(text)).length} of ${receivers.length} received`, 10_000, 5)
      const last = Math.max(...receivers.map(node => node.events.find(evt => evt.detail?.text === text)!.at))
      console.log(`# broadcast ${round}: all ${receivers.length} received in ${last - start} ms`)
      for (const node of receivers) {
        const message = node.messages().find(m => m.text === text)
        assert.equal(message.kind, 'broadcast')
        assert.equal(message.fromName, publisher.name)
        assert.equal(message.from, publisher.peerId)
        assert.equal(message.id, result.id)
      }
    }
  })

  it('sends a direct message to a node it was not connected to, and it is acknowledged', async () => {
    const sender = nodes[0]
    const connected = new Set((await sender.connections()).map(connection => connection.peer))
    const receiver = nodes.find(node => node !== sender && !connected.has(node.peerId))
    assert.ok(receiver != null, 'some node is not connected to node-1')
    const result = await sender.call<{ id: string, peerId: string }>('send', receiver.name, 'a direct hello')
    await waitFor(() => receiver.received().includes('a direct hello'), 'the direct message arrives')
    const message = receiver.messages().find(m => m.text === 'a direct hello')
    assert.equal(result.peerId, receiver.peerId)
    assert.equal(message.kind, 'direct')
    assert.equal(message.id, result.id)
    assert.equal(message.fromName, sender.name)
    assert.equal(message.from, sender.peerId)
    assert.ok((await sender.connections()).some(connection => connection.peer === receiver.peerId), 'the sender dialed the receiver')
  })

  it('pipelines many direct messages on one stream and all are acknowledged', async () => {
    const [sender, receiver] = [nodes[1], nodes[2]]
    const results = await Promise.all(Array.from({ length: 200 }, async (_, i) => sender.call<{ id: string }>('send', receiver.peerId, `burst ${i}`)))
    assert.equal(new Set(results.map(result => result.id)).size, 200)
    await waitFor(() => receiver.received().filter(text => text.startsWith('burst ')).length === 200, 'all 200 arrive', 5_000)
    const streams = (await sender.connections())
      .filter(connection => connection.peer === receiver.peerId)
      .flatMap(connection => connection.streams)
      .filter(protocol => protocol === '/p2p-node/message/1.0.0')
    assert.equal(streams.length, 1, 'one stream carried them all')
  })

  it('reads a remote node\'s status by name and by peer id', async () => {
    const asker = nodes[0]
    for (const target of [nodes[5], nodes[6]]) {
      const status = await asker.status(target === nodes[5] ? target.name : target.peerId)
      assert.equal(status.peerId, target.peerId)
      assert.equal(status.name, target.name)
      assert.equal(status.role, 'peer')
      assert.match(status.version, /^\d+\.\d+\.\d+/)
      assert.ok(status.uptimeMs > 0)
      assert.ok(status.connections >= 4)
      assert.ok(status.meshPeers >= 1)
      assert.ok(status.multiaddrs.some(ma => ma.startsWith('/ip4/127.0.0.1/tcp/')))
    }
    const status = await nodes[3].status(bootstrap.peerId)
    assert.equal(status.role, 'bootstrap')
    assert.ok(status.knownPeers >= PEERS, `the bootstrap knows ${status.knownPeers} peers`)
    assert.equal(status.networkSize, PEERS + 1)
  })

  it('fails clearly for an unknown target, an oversized message and itself', async () => {
    const node = nodes[0]
    await assert.rejects(node.call('send', 'nobody-has-this-name', 'hi'), { name: 'UnknownPeerError' })
    await assert.rejects(node.call('send', nodes[1].name, new Uint8Array(65537)), { name: 'MessageTooLargeError' })
    await assert.rejects(node.call('broadcast', new Uint8Array(65537)), { name: 'MessageTooLargeError' })
    await assert.rejects(node.call('send', node.name, 'me'), { name: 'RejectedError' })
  })

  it('fails clearly for a known peer that is unreachable', async () => {
    const gone = await swarm.create({ name: 'short-lived', bootstrap: bootstrap.multiaddrs })
    await waitFor(async () => (await nodes[0].members()).some(member => member.peerId === gone.peerId), 'the new node is seen')
    await gone.stop()
    await assert.rejects(nodes[0].call('send', gone.peerId, 'are you there?'),
      (err: any) => ['UnreachablePeerError', 'TimeoutError'].includes(err.name))
  })
})

describe('node lifecycle', () => {
  let node: P2PNode | undefined
  after(async () => { await node?.stop() })

  it('refuses calls before start, starts and stops idempotently, and restarts', async () => {
    node = await createNode({ start: false })
    await assert.rejects(node.broadcast('early'), { name: 'NotStartedError' })
    await assert.rejects(node.status(), { name: 'NotStartedError' })
    await node.start()
    await node.start()
    assert.equal(node.isStarted, true)
    assert.equal((await node.status()).name, node.name)
    await Promise.all([node.stop(), node.stop()])
    await node.stop()
    assert.equal(node.isStarted, false)
    await assert.rejects(node.send('anyone', 'late'), { name: 'NotStartedError' })
    await node.start()
    assert.equal(node.isStarted, true)
  })

  it('broadcasts with no peers yet, and says it reached nobody', async () => {
    node ??= await createNode()
    const result = await node.broadcast('anyone there?')
    assert.equal(result.recipients, 0)
  })
})
