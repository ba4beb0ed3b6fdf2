import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNode, type NodeMessage, type P2PNode } from '../../dist/index.js'
import { startNetwork, waitFor, waitForMesh, type TestNetwork } from '../helpers.ts'

/** Peers besides the bootstrap. P2P_TEST_NODES=50 npm test runs the same suite at 50. */
const PEERS = Number(process.env.P2P_TEST_NODES ?? 24)

describe(`a bootstrap and ${PEERS} nodes in one process`, () => {
  let net: TestNetwork

  before(async () => {
    const start = Date.now()
    net = await startNetwork(PEERS)
    await waitForMesh(net.nodes, 4, 3)
    console.log(`# ${PEERS} nodes connected with meshes formed in ${Date.now() - start} ms`)
  })

  after(async () => { await net?.stop() })

  it('connects every node to several other nodes, not only to the bootstrap', () => {
    for (const node of net.nodes) {
      assert.ok(node.peerConnections() >= 4, `${node.name} has ${node.peerConnections()} peer connections`)
      assert.ok(node.meshPeers() >= 3, `${node.name} has ${node.meshPeers()} mesh peers`)
    }
    // the bootstrap stays out of the mesh, so the mesh is not a star around it
    assert.equal(net.bootstrap.meshPeers(), 0)
  })

  it('delivers broadcasts from any node to every node, 100%', async () => {
    const publishers = [net.nodes[0], net.nodes[Math.floor(PEERS / 2)], net.nodes[PEERS - 1]]
    for (const [round, publisher] of publishers.entries()) {
      const text = `broadcast ${round} from ${publisher.name}`
      const receivers = net.all.filter(node => node !== publisher)
      const got = collect(receivers, message => message.text === text)
      const start = performance.now()
      const result = await publisher.broadcast(text)
      assert.match(result.id, /^[0-9a-f]{32}$/)
      assert.ok(result.recipients > 0)
      await waitFor(() => got.size === receivers.length, `${text}: ${got.size} of ${receivers.length} received`, 10_000, 5)
      console.log(`# broadcast ${round}: all ${receivers.length} received in ${(performance.now() - start).toFixed(1)} ms`)
      for (const message of got.values()) {
        assert.equal(message.kind, 'broadcast')
        assert.equal(message.fromName, publisher.name)
        assert.ok(message.from.equals(publisher.peerId))
        assert.equal(message.id, result.id)
      }
    }
  })

  it('sends a direct message to a node it was not connected to, and it is acknowledged', async () => {
    const sender = net.nodes[0]
    const connected = new Set(sender.libp2p.getPeers().map(String))
    const receiver = net.nodes.find(node => node !== sender && !connected.has(node.peerId.toString()))
    assert.ok(receiver != null, 'some node is not connected to node-1')
    const arrived = new Promise<NodeMessage>(resolve => {
      receiver.addEventListener('message', evt => { if (evt.detail.kind === 'direct') resolve(evt.detail) })
    })
    const result = await sender.send(receiver.name, 'a direct hello')
    const message = await arrived
    assert.equal(result.peerId, receiver.peerId.toString())
    assert.equal(message.id, result.id)
    assert.equal(message.text, 'a direct hello')
    assert.equal(message.fromName, sender.name)
    assert.ok(message.from.equals(sender.peerId))
    assert.ok(sender.libp2p.getPeers().some(peer => peer.equals(receiver.peerId)), 'the sender dialed the receiver')
  })

  it('pipelines many direct messages on one stream and all are acknowledged', async () => {
    const [sender, receiver] = [net.nodes[1], net.nodes[2]]
    const received = collect([receiver], message => message.text.startsWith('burst '), true)
    const results = await Promise.all(Array.from({ length: 200 }, async (_, i) => sender.send(receiver.peerId, `burst ${i}`)))
    assert.equal(new Set(results.map(result => result.id)).size, 200)
    await waitFor(() => received.size === 200, `${received.size} of 200 arrived`, 5_000)
    const streams = sender.libp2p.getConnections(receiver.peerId)
      .flatMap(connection => connection.streams)
      .filter(stream => stream.protocol === '/p2p-node/message/1.0.0')
    assert.equal(streams.length, 1, 'one stream carried them all')
  })

  it('reads a remote node\'s status by name and by peer id', async () => {
    const target = net.nodes[PEERS - 1]
    for (const key of [target.name, target.peerId.toString()]) {
      const status = await net.nodes[0].status(key)
      assert.equal(status.peerId, target.peerId.toString())
      assert.equal(status.name, target.name)
      assert.equal(status.role, 'peer')
      assert.match(status.version, /^\d+\.\d+\.\d+/)
      assert.ok(status.uptimeMs > 0)
      assert.ok(status.connections >= 4)
      assert.ok(status.meshPeers >= 1)
      assert.ok(status.multiaddrs.some(ma => ma.startsWith('/ip4/127.0.0.1/tcp/')))
    }
    const bootstrap = await net.nodes[3].status(net.bootstrap.peerId)
    assert.equal(bootstrap.role, 'bootstrap')
    assert.ok(bootstrap.knownPeers >= PEERS, `the bootstrap knows ${bootstrap.knownPeers} peers`)
    assert.equal(bootstrap.networkSize, PEERS + 1)
  })

  it('fails clearly for an unknown target, an oversized message and itself', async () => {
    const node = net.nodes[0]
    await assert.rejects(node.send('nobody-has-this-name', 'hi'), { name: 'UnknownPeerError' })
    await assert.rejects(node.send(net.nodes[1].name, new Uint8Array(65537)), { name: 'MessageTooLargeError' })
    await assert.rejects(node.broadcast(new Uint8Array(65537)), { name: 'MessageTooLargeError' })
    await assert.rejects(node.send(node.name, 'me'), { name: 'RejectedError' })
  })

  it('fails clearly for a known peer that is unreachable', async () => {
    const gone = await createNode({ name: 'short-lived', bootstrap: net.bootstrap.multiaddrs })
    const id = gone.peerId.toString()
    await waitFor(() => net.nodes[0].members().some(member => member.peerId === id) || gone.peerConnections() > 0, 'the new node is seen')
    await gone.stop()
    await assert.rejects(net.nodes[0].send(id, 'are you there?', { signal: AbortSignal.timeout(5_000) }),
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

/** Messages that pass `filter`, keyed by receiver name; one per receiver unless `all`. */
function collect (nodes: P2PNode[], filter: (message: NodeMessage) => boolean, all = false): Map<string, NodeMessage> {
  const got = new Map<string, NodeMessage>()
  for (const node of nodes) {
    node.addEventListener('message', evt => {
      if (filter(evt.detail)) got.set(all ? `${node.name}:${evt.detail.id}` : node.name, evt.detail)
    })
  }
  return got
}
