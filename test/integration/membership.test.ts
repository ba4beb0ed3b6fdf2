import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { randomBytes } from '@libp2p/crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode, type NodeInit, type P2PNode } from '../../dist/index.js'
import { Announcement, KIND_TO_WIRE, membershipTopic } from '../../dist/membership/announcements.js'
import { RegistryRequest, RegistryResponse } from '../../dist/protocols/registry/index.js'
import { peerIdBytes } from '../../dist/protocols/wire.js'
import { CliProcess, startNetwork, waitFor, waitForMesh, type TestNetwork } from '../helpers.ts'

/** Peers besides the bootstrap. */
const PEERS = Number(process.env.P2P_TEST_NODES ?? 30)

/** createNode() that must be refused; a node started by mistake is stopped, not leaked. */
async function refusedJoin (init: NodeInit): Promise<any> {
  try {
    const node = await createNode(init)
    await node.stop()
  } catch (err) {
    return err
  }
  assert.fail(`${init.name ?? 'the node'} was not refused`)
}

/** Every node of `nodes` sees the member named `name` in `state`. */
function everyoneSees (nodes: P2PNode[], name: string, state: string): boolean {
  return nodes.every(node => node.members().find(member => member.name === name)?.state === state)
}

describe(`membership of a bootstrap and ${PEERS} nodes`, () => {
  let net: TestNetwork
  /** Nodes still in the network. */
  let live: P2PNode[]
  const extra: P2PNode[] = []
  const processes: CliProcess[] = []

  before(async () => {
    const start = Date.now()
    net = await startNetwork(PEERS)
    live = [...net.all]
    await waitFor(() => live.every(node => node.networkStatus().size.size === live.length), 'every node counts the whole network', 60_000)
    console.log(`# ${PEERS + 1} nodes: every view complete after ${Date.now() - start} ms`)
    await waitForMesh(net.nodes, 3, 2)
  })

  after(async () => {
    for (const child of processes) child.kill()
    await Promise.all([...net.all, ...extra].map(async node => node.stop()))
  })

  it('shows every member, alive, in every view, and the size is exact on every node', async () => {
    for (const node of live) {
      const others = node.members().filter(member => member.state === 'alive')
      assert.equal(others.length, live.length - 1, `${node.name} sees ${others.length} others`)
      const size = node.networkStatus().size
      assert.equal(size.size, live.length)
      assert.equal(size.method, 'membership-view')
      assert.equal(size.exact, true)
    }
    // heartbeats carry neighbours: any node can draw the topology
    const member = net.nodes[0].members().find(m => m.name === 'node-2')
    assert.ok(member != null && member.neighbours.length >= 3, 'node-2 announced its neighbours')
    // any node, the bootstrap included, answers the network size protocol; the status carries it too
    const fromBootstrap = await net.nodes[4].networkSize(net.bootstrap.peerId)
    assert.equal(fromBootstrap.size, live.length)
    assert.equal((await net.nodes[4].networkSize('node-9')).size, live.length)
    assert.equal((await net.nodes[4].status('node-9')).networkSize, live.length)
  })

  it('refuses a name held by another live node, with a clear reason', async () => {
    const err = await refusedJoin({ name: 'node-3', bootstrap: net.bootstrap.multiaddrs })
    assert.equal(err.name, 'JoinRefusedError')
    assert.equal(err.reason, 'name-taken')
    assert.match(err.message, /the name "node-3" is already held by 12D3/)
    // the refused node is not counted anywhere
    assert.ok(live.every(node => node.networkStatus().size.size === live.length))
  })

  it('refuses a second process with the key of a running one; the same key after a restart keeps its name', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    const original = await createNode({ name: 'keyed', privateKey, bootstrap: net.bootstrap.multiaddrs })
    extra.push(original)
    const err = await refusedJoin({ name: 'keyed-copy', privateKey, bootstrap: net.bootstrap.multiaddrs })
    assert.equal(err.name, 'JoinRefusedError')
    assert.equal(err.reason, 'duplicate-key')
    assert.ok(original.isStarted)
    await original.leave()
    const restarted = await createNode({ name: 'keyed', privateKey, bootstrap: net.bootstrap.multiaddrs })
    extra.push(restarted)
    await waitFor(() => everyoneSees(live, 'keyed', 'alive'), 'the restarted node is back in every view')
    await restarted.leave()
    await waitFor(() => everyoneSees(live, 'keyed', 'left'), 'it left again')
  })

  it('shows a graceful leave in every view within about a second, and never redials the node that left', async () => {
    const leaver = net.nodes[5]
    live = live.filter(node => node !== leaver)
    const port = Number(multiaddr(leaver.multiaddrs[0]).toOptions().port)
    const start = Date.now()
    const leaving = leaver.leave()
    await waitFor(() => everyoneSees(live, leaver.name, 'left'), 'the leave is seen everywhere', 3_000, 10)
    const seenIn = Date.now() - start
    await leaving
    console.log(`# a leave was in all ${live.length} views after ${seenIn} ms; leave() took ${Date.now() - start} ms`)
    assert.ok(live.every(node => node.networkStatus().size.size === live.length))

    // listen where the node was: nobody may knock, for a few rounds of discovery and liveness
    const knocks: Socket[] = []
    const server = createServer(socket => { knocks.push(socket); socket.destroy() })
    await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
    const watchUntil = Date.now() + 6_000
    await waitFor(() => Date.now() > watchUntil || knocks.length > 0, 'the watch ends', 10_000)
    await new Promise(resolve => server.close(resolve))
    assert.equal(knocks.length, 0, 'a node dialed the node that left')
  })

  it('declares a SIGKILLed node process dead in every view within the stated bound', async () => {
    const victim = new CliProcess('node.js', ['--bootstrap', net.bootstrap.multiaddrs[0], '--host', '127.0.0.1', '--port', '0', '--name', 'victim'])
    processes.push(victim)
    await victim.waitForLine(/ready: joined the broadcast mesh/)
    await waitFor(() => everyoneSees(live, 'victim', 'alive'), 'the victim is in every view')
    const start = Date.now()
    victim.child.kill('SIGKILL')
    await waitFor(() => everyoneSees(live, 'victim', 'dead'), 'the victim is dead in every view', 15_000, 10)
    console.log(`# a SIGKILLed process was dead in all ${live.length} views after ${Date.now() - start} ms`)
    await waitFor(() => live.every(node => node.networkStatus().size.size === live.length), 'the size is exact again')
  })

  it('does not evict a live node on a false dead report', async () => {
    const reporter = net.nodes[1]
    const subject = net.nodes[2]
    const { response } = await reporter.libp2p.services.registry.ask(net.bootstrap.peerId, {
      kind: RegistryRequest.Kind.REPORT_DEAD, name: '', role: 'UNSPECIFIED' as any, addresses: [], nonce: new Uint8Array(), subject: peerIdBytes(subject.peerId)
    })
    assert.equal(response.status, RegistryResponse.Status.ALIVE)
    assert.equal(net.bootstrap.members().find(member => member.name === subject.name)?.state, 'alive')
    // and a node that is not a bootstrap cannot declare anyone dead by announcement
    await reporter.libp2p.services.pubsub.publish(membershipTopic('p2p-node'), Announcement.encode({
      kind: KIND_TO_WIRE.dead, name: reporter.name, role: 'PEER' as any, addresses: [], nonce: randomBytes(8), seq: 1, sentAt: Date.now(), intervalMs: 5000, neighbours: [], subject: peerIdBytes(subject.peerId)
    }))
    await waitFor(() => live.some(node => node.networkStatus().messages.rejectedAnnouncements > 0), 'the forged DEAD is rejected')
    assert.ok(everyoneSees(live.filter(node => node !== subject), subject.name, 'alive'))
  })

  it('ignores a shutdown order from a non-operator, and obeys the operator\'s', async () => {
    const forger = net.nodes[3]
    await assert.rejects(forger.shutdownNetwork('mutiny'), { name: 'NotOperatorError' })
    const rejectedBefore = live.reduce((sum, node) => sum + node.networkStatus().messages.rejectedAnnouncements, 0)
    // signed by the forger's own key, as any node could: every node that receives it must reject it
    await forger.libp2p.services.pubsub.publish(membershipTopic('p2p-node'), Announcement.encode({
      kind: KIND_TO_WIRE.shutdown, name: forger.name, role: 'PEER' as any, addresses: [], nonce: randomBytes(8), seq: 1, sentAt: Date.now(), intervalMs: 5000, neighbours: [], reason: 'mutiny'
    }))
    await waitFor(() => live.reduce((sum, node) => sum + node.networkStatus().messages.rejectedAnnouncements, 0) > rejectedBefore, 'the forged order is rejected')
    assert.ok(live.every(node => node.isStarted), 'a node obeyed a forged shutdown')

    const orders: string[] = []
    for (const node of live) node.addEventListener('shutdown', evt => { orders.push(evt.detail.reason) })
    const start = Date.now()
    await net.bootstrap.shutdownNetwork('maintenance')
    await waitFor(() => live.every(node => !node.isStarted), 'every node has left', 15_000, 10)
    console.log(`# an operator's shutdown stopped all ${live.length} nodes in ${Date.now() - start} ms`)
    assert.ok(orders.length >= live.length - 1 && orders.every(reason => reason === 'maintenance'))
  })
})

describe('several bootstraps, and the death of one', () => {
  const NODES = 20
  const started: P2PNode[] = []
  after(async () => { await Promise.all(started.map(async node => node.stop())) })

  it('keeps broadcasts flowing and lets nodes join after a bootstrap dies; a restarted bootstrap is re-registered with', async () => {
    const firstKey = await generateKeyPair('Ed25519')
    const first = await createNode({ role: 'bootstrap', name: 'bootstrap-1', privateKey: firstKey })
    const second = await createNode({ role: 'bootstrap', name: 'bootstrap-2', bootstrap: first.multiaddrs })
    started.push(first, second)
    // half the nodes know only the first bootstrap; the other half know both
    const nodes = await Promise.all(Array.from({ length: NODES }, async (_, i) => createNode({
      name: `n-${i + 1}`,
      bootstrap: i % 2 === 0 ? first.multiaddrs : [...first.multiaddrs, ...second.multiaddrs]
    })))
    started.push(...nodes)
    const everyone = [first, second, ...nodes]
    await waitFor(() => everyone.every(node => node.networkStatus().size.size === everyone.length), 'every view complete, both bootstraps included', 60_000)
    await waitForMesh(nodes, 3, 2)
    // the second bootstrap was given only the first, yet knows every node: the bootstraps share their views
    assert.equal(second.members().filter(member => member.state === 'alive').length, everyone.length - 1)

    const firstAddress = first.multiaddrs[0]
    await first.stop() // no goodbye: as if it crashed
    await waitFor(() => everyoneSees([second, ...nodes], 'bootstrap-1', 'dead'), 'the first bootstrap is seen dead', 20_000)

    const text = 'after the bootstrap died'
    const got = new Set<string>()
    for (const node of nodes) node.addEventListener('message', evt => { if (evt.detail.text === text) got.add(node.name) })
    await nodes[0].broadcast(text)
    await waitFor(() => got.size === NODES - 1, `the broadcast reached ${got.size} of ${NODES - 1}`, 10_000)

    // a new node joins through the dead bootstrap and the live one; another through a plain member
    const late = await createNode({ name: 'late', bootstrap: [firstAddress, ...second.multiaddrs] })
    const viaMember = await createNode({ name: 'via-member', bootstrap: nodes[7].multiaddrs })
    started.push(late, viaMember)
    const survivors = [second, ...nodes, late, viaMember]
    await waitFor(() => survivors.every(node => node.networkStatus().size.size === survivors.length), 'the newcomers are in every view', 30_000)

    // the first bootstrap comes back on the same key and address: the nodes that know it register again
    const revived = await createNode({ role: 'bootstrap', name: 'bootstrap-1', privateKey: firstKey, listen: [multiaddr(firstAddress).decapsulateCode(421).toString()] })
    started.push(revived)
    await waitFor(() => revived.members().filter(member => member.state === 'alive').length >= NODES, 'the nodes re-registered with the restarted bootstrap', 30_000)
    await waitFor(() => everyoneSees(survivors, 'bootstrap-1', 'alive'), 'every node sees the bootstrap alive again', 30_000)
  })
})
