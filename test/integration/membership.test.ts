import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { DEFAULTS, stretchedInterval } from '../../dist/internal.js'
import { CliProcess, waitFor } from '../helpers.ts'
import { Swarm, type RemoteNode, type Snapshot } from '../swarm/index.ts'

/** Peers besides the bootstrap. */
const PEERS = Number(process.env.P2P_TEST_NODES ?? 30)

/** Waits until every node of `nodes` passes `check` in one snapshot of the swarm. */
async function waitForAll (swarm: Swarm, nodes: RemoteNode[], check: (snapshot: Snapshot) => boolean, message: string, timeout = 20_000, interval = 50): Promise<void> {
  let failing: Snapshot[] = []
  await waitFor(async () => {
    const snapshots = await swarm.snapshot()
    failing = nodes.map(node => snapshots.get(node.key)!).filter(snapshot => !check(snapshot))
    return failing.length === 0
  }, message, timeout, interval).catch((err: Error) => {
    const names = nodes.map(node => node.name)
    const views = failing.slice(0, 5).map(snapshot => `${snapshot.name} (size ${snapshot.size}): ` +
      [...names.filter(name => name !== snapshot.name && snapshot.states[name] !== 'alive').map(name => `${name} ${snapshot.states[name] ?? 'unknown'}`),
        ...Object.entries(snapshot.states).filter(([name]) => !names.includes(name)).map(([name, state]) => `${name} ${state} (not among these nodes)`)].join(', '))
    throw new Error(`${err.message}; ${failing.length} nodes fail, e.g.\n${views.join('\n')}`)
  })
}

/** A create() that must be refused; a node started by mistake is stopped, not leaked. */
async function refusedJoin (swarm: Swarm, init: Parameters<Swarm['create']>[0]): Promise<any> {
  try {
    const node = await swarm.create(init)
    await node.stop()
  } catch (err) {
    return err
  }
  assert.fail(`${init?.name ?? 'the node'} was not refused`)
}

describe(`membership of a bootstrap and ${PEERS} nodes`, () => {
  const swarm = new Swarm()
  let bootstrap: RemoteNode
  let nodes: RemoteNode[]
  /** Nodes still in the network. */
  let live: RemoteNode[]
  const processes: CliProcess[] = []

  before(async () => {
    const start = Date.now()
    ;({ bootstrap, nodes } = await swarm.network(PEERS))
    live = [bootstrap, ...nodes]
    await waitForAll(swarm, live, node => node.size === live.length, 'every node counts the whole network', 60_000)
    console.log(`# ${live.length} nodes: every view complete after ${Date.now() - start} ms`)
    await waitForAll(swarm, nodes, node => node.peerConnections >= 3 && node.meshPeers >= 2, 'meshes formed', 60_000)
  })

  after(async () => {
    for (const child of processes) child.kill()
    await swarm.stop()
  })

  it('shows every member, alive, in every view, and the size is exact on every node', async () => {
    const snapshots = await swarm.snapshot()
    for (const node of live) {
      const { states, size } = snapshots.get(node.key)!
      const alive = live.filter(other => other !== node && states[other.name] === 'alive')
      assert.equal(alive.length, live.length - 1, `${node.name} sees ${alive.length} of the others alive`)
      assert.equal(size, live.length)
    }
    const status = await nodes[0].networkStatus()
    assert.equal(status.size.size, live.length)
    assert.equal(status.size.method, 'membership-view')
    assert.equal(status.size.exact, true)
    assert.equal(status.members.alive, live.length - 1)
    // any node, the bootstrap included, answers the network size protocol; the status carries the size too
    assert.equal((await nodes[4].networkSize(bootstrap.peerId)).size, live.length)
    assert.equal((await nodes[4].networkSize('node-9')).size, live.length)
    assert.equal((await nodes[4].status('node-9')).networkSize, live.length)
  })

  it('refuses a name held by another live node, with a clear reason', async () => {
    const err = await refusedJoin(swarm, { name: 'node-3', bootstrap: bootstrap.multiaddrs })
    assert.equal(err.name, 'JoinRefusedError')
    assert.equal(err.reason, 'name-taken')
    assert.match(err.message, /the name "node-3" is already held by 12D3/)
    const snapshots = await swarm.snapshot()
    assert.ok(live.every(node => snapshots.get(node.key)!.size === live.length), 'the refused node was counted')
  })

  it('refuses a second process with the key of a running one; the same key after a restart keeps its name', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    const original = await swarm.create({ name: 'keyed', privateKey, bootstrap: bootstrap.multiaddrs })
    const err = await refusedJoin(swarm, { name: 'keyed-copy', privateKey, bootstrap: bootstrap.multiaddrs })
    assert.equal(err.name, 'JoinRefusedError')
    assert.equal(err.reason, 'duplicate-key')
    assert.ok((await swarm.snapshot()).get(original.key)!.started, 'the original was stopped')
    await original.leave()
    const restarted = await swarm.create({ name: 'keyed', privateKey, bootstrap: bootstrap.multiaddrs })
    await waitForAll(swarm, live, node => node.states.keyed === 'alive', 'the restarted node is back in every view')
    await restarted.leave()
    await waitForAll(swarm, live, node => node.states.keyed === 'left', 'it left again')
  })

  it('shows a graceful leave in every view within about a second, and never redials the node that left', async () => {
    const leaver = nodes[5]
    live = live.filter(node => node !== leaver)
    const port = Number(multiaddr(leaver.multiaddrs[0]).toOptions().port)
    const start = Date.now()
    const leaving = leaver.leave()
    await waitForAll(swarm, live, node => node.states[leaver.name] === 'left', 'the leave is seen everywhere', 3_000, 10)
    const seenIn = Date.now() - start
    await leaving
    console.log(`# a leave was in all ${live.length} views after ${seenIn} ms; leave() took ${Date.now() - start} ms`)
    await waitForAll(swarm, live, node => node.size === live.length, 'the size is exact again', 1_000)

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
    const victim = new CliProcess('node.js', ['--bootstrap', bootstrap.multiaddrs[0], '--host', '127.0.0.1', '--port', '0', '--name', 'victim'])
    processes.push(victim)
    await victim.waitForLine(/^ready:/)
    await waitForAll(swarm, live, node => node.states.victim === 'alive', 'the victim is in every view')
    const start = Date.now()
    victim.child.kill('SIGKILL')
    await waitForAll(swarm, live, node => node.states.victim === 'dead', 'the victim is dead in every view', 15_000, 10)
    console.log(`# a SIGKILLed process was dead in all ${live.length} views after ${Date.now() - start} ms`)
    await waitForAll(swarm, live, node => node.size === live.length, 'the size is exact again')
  })

  it('declares a hung node process (SIGSTOP) dead within the stated bound; resumed, it reconnects and hears broadcasts again', async () => {
    const hung = new CliProcess('node.js', ['--bootstrap', bootstrap.multiaddrs[0], '--host', '127.0.0.1', '--port', '0', '--name', 'hung'])
    processes.push(hung)
    await hung.waitForLine(/^ready:/)
    await waitForAll(swarm, live, node => node.states.hung === 'alive', 'the hung node is in every view')
    const start = Date.now()
    hung.child.kill('SIGSTOP')
    // its connections stay open: only failed pings (3 in a row, 2.5 s each) and the bootstrap's own check tell
    await waitForAll(swarm, live, node => node.states.hung === 'dead', 'the hung node is dead in every view', 25_000, 50)
    console.log(`# a hung (SIGSTOPped) process was dead in all ${live.length} views after ${Date.now() - start} ms`)

    // it comes back, as after a partition heals: it reconnects by itself, and broadcasts reach it again
    const resumed = Date.now()
    hung.child.kill('SIGCONT')
    await waitForAll(swarm, live, node => node.states.hung === 'alive', 'the resumed node is alive in every view again', 30_000)
    console.log(`# resumed after ${Date.now() - resumed} ms`)
    await hung.waitForLine(/^ready:|\[join\]/, 5_000)
    await waitFor(async () => {
      await nodes[0].broadcast('are you back?')
      return hung.lines.some(line => line.endsWith('node-1: are you back?'))
    }, 'a broadcast reaches the resumed node', 20_000, 1_000)
    await hung.stop('SIGTERM')
  })

  it('carries the neighbours of each member in its heartbeats, so that any node can draw the network', async () => {
    // the first heartbeat after a JOIN comes at the pace of the whole network (placed here, it has come by now)
    const interval = stretchedInterval(DEFAULTS.heartbeatInterval, live.length)
    await waitFor(async () => ((await nodes[0].members()).find(m => m.name === 'node-2')?.neighbours.length ?? 0) >= 3,
      'node-2 announced its neighbours', 1.2 * interval)
  })

  it('does not evict a live node on a false dead report', async () => {
    const [reporter, subject] = [nodes[1], nodes[2]]
    assert.equal(await reporter.reportDead(bootstrap, subject), 'ALIVE')
    // nor can a node that is not a bootstrap declare anyone dead by announcement
    const rejected = (snapshots: Map<string, Snapshot>): number => [...snapshots.values()].reduce((sum, node) => sum + node.rejected, 0)
    const before = rejected(await swarm.snapshot())
    await reporter.announce('dead', { subject })
    await waitFor(async () => rejected(await swarm.snapshot()) > before, 'the forged DEAD is rejected')
    const snapshots = await swarm.snapshot()
    const evicted = live.filter(node => node !== subject && snapshots.get(node.key)!.states[subject.name] !== 'alive')
    assert.deepEqual(evicted.map(node => `${node.name}: ${snapshots.get(node.key)!.states[subject.name]}`), [])
  })

  it('ignores a shutdown order from a non-operator, and obeys the operator\'s', async () => {
    const forger = nodes[3]
    await assert.rejects(forger.shutdownNetwork('mutiny'), { name: 'NotOperatorError' })
    const rejected = (snapshots: Map<string, Snapshot>): number => [...snapshots.values()].reduce((sum, node) => sum + node.rejected, 0)
    const before = rejected(await swarm.snapshot())
    // signed by the forger's own key, as any node could: every node that receives it must reject it
    await forger.announce('shutdown', { fields: { reason: 'mutiny' } })
    await waitFor(async () => rejected(await swarm.snapshot()) > before, 'the forged order is rejected')
    assert.ok([...(await swarm.snapshot()).values()].filter(node => live.some(l => l.key === node.key)).every(node => node.started), 'a node obeyed a forged shutdown')

    const start = Date.now()
    await bootstrap.shutdownNetwork('maintenance')
    await waitForAll(swarm, live, node => !node.started, 'every node has left', 15_000, 10)
    console.log(`# an operator's shutdown stopped all ${live.length} nodes in ${Date.now() - start} ms`)
    for (const node of live.filter(node => node !== bootstrap)) {
      assert.deepEqual(node.events.filter(evt => evt.type === 'shutdown').map(evt => [evt.detail.from, evt.detail.reason]), [[bootstrap.peerId, 'maintenance']])
    }
  })
})

describe('several bootstraps, and the death of one', () => {
  const NODES = 20
  const swarm = new Swarm()
  after(async () => { await swarm.stop() })

  it('keeps broadcasts flowing and lets nodes join after a bootstrap dies; a restarted bootstrap is registered with again', async () => {
    const firstKey = await generateKeyPair('Ed25519')
    const first = await swarm.create({ role: 'bootstrap', name: 'bootstrap-1', privateKey: firstKey })
    const second = await swarm.create({ role: 'bootstrap', name: 'bootstrap-2', bootstrap: first.multiaddrs })
    // half the nodes know only the first bootstrap; the other half know both
    const nodes = await Promise.all(Array.from({ length: NODES }, async (_, i) => swarm.create({
      name: `n-${i + 1}`,
      bootstrap: i % 2 === 0 ? first.multiaddrs : [...first.multiaddrs, ...second.multiaddrs]
    })))
    const everyone = [first, second, ...nodes]
    await waitForAll(swarm, everyone, node => node.size === everyone.length, 'every view complete, both bootstraps included', 60_000)
    await waitForAll(swarm, nodes, node => node.peerConnections >= 3 && node.meshPeers >= 2, 'meshes formed', 60_000)
    // the second bootstrap was given only the first, and no node registered with it alone, yet it knows every node
    assert.equal((await second.networkStatus()).members.alive, everyone.length - 1)

    const firstAddress = first.multiaddrs[0]
    await first.stop() // no goodbye: as if it crashed
    const survivors = [second, ...nodes]
    await waitForAll(swarm, survivors, node => node.states['bootstrap-1'] === 'dead', 'the first bootstrap is seen dead', 20_000)

    await nodes[0].broadcast('after the bootstrap died')
    await waitFor(() => nodes.slice(1).every(node => node.received().includes('after the bootstrap died')), 'the broadcast reaches every node', 10_000).catch(async (err: Error) => {
      const snapshot = await swarm.snapshot()
      const missed = nodes.slice(1).filter(node => !node.received().includes('after the bootstrap died'))
      throw new Error(`${err.message}; missed by ${missed.map(node => { const s = snapshot.get(node.key)!; return `${node.name} (mesh ${s.meshPeers}, peers ${s.peerConnections}, connected to bootstrap-2 ${String(s.connectedTo.includes(second.peerId))}, rejected ${s.rejected})` }).join(', ')}; publisher mesh ${snapshot.get(nodes[0].key)!.meshPeers}`)
    })

    // a new node joins through the dead bootstrap and the live one; another through a plain member
    const late = await swarm.create({ name: 'late', bootstrap: [firstAddress, ...second.multiaddrs] })
    const viaMember = await swarm.create({ name: 'via-member', bootstrap: nodes[7].multiaddrs })
    survivors.push(late, viaMember)
    await waitForAll(swarm, survivors, node => node.size === survivors.length, 'the newcomers are in every view', 30_000)

    // the first bootstrap comes back on the same key and address: the nodes that know it register again
    const revived = await swarm.create({ role: 'bootstrap', name: 'bootstrap-1', privateKey: firstKey, listen: [multiaddr(firstAddress).decapsulateCode(421).toString()] })
    await waitFor(async () => (await revived.networkStatus()).members.alive >= NODES, 'the nodes registered with the restarted bootstrap', 30_000)
    await waitForAll(swarm, survivors, node => node.states['bootstrap-1'] === 'alive', 'every node sees the bootstrap alive again', 30_000)
  })
})
