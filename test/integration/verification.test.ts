import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { waitFor } from '../helpers.ts'
import { Swarm, type RemoteNode } from '../swarm/index.ts'

const PEERS = 20

describe(`message verification, ${PEERS} nodes and an attacker`, () => {
  const swarm = new Swarm()
  let bootstrap: RemoteNode
  let nodes: RemoteNode[]
  let mallory: RemoteNode
  let everyone: RemoteNode[]

  /** Texts delivered to the application of any honest node. */
  const delivered = (text: string): number => nodes.filter(node => node.received().includes(text)).length
  const rejected = async (): Promise<number> => {
    const statuses = await Promise.all(everyone.map(async node => node.networkStatus()))
    return statuses.reduce((sum, status) => sum + status.messages.rejected.broadcast + status.messages.rejected.direct, 0)
  }

  before(async () => {
    ;({ bootstrap, nodes } = await swarm.network(PEERS))
    mallory = await swarm.create({ name: 'mallory', bootstrap: bootstrap.multiaddrs })
    everyone = [bootstrap, ...nodes, mallory]
    await waitFor(async () => (await swarm.snapshot()).size === everyone.length &&
      [...(await swarm.snapshot()).values()].every(node => node.size === everyone.length), 'every view complete', 60_000)
    await waitFor(async () => [...(await swarm.snapshot()).values()].filter(node => node.name !== 'bootstrap').every(node => node.meshPeers >= 2), 'meshes formed', 60_000)
  })

  after(async () => { await swarm.stop() })

  it('rejects a broadcast that claims another member\'s name, at the topic validator of every node', async () => {
    const before = await rejected()
    await mallory.forgeBroadcast('spoofed broadcast', { senderName: 'node-2' })
    await waitFor(async () => await rejected() > before, 'the spoofed broadcast is rejected')
    await nodes[0].broadcast('honest broadcast 1')
    await waitFor(() => delivered('honest broadcast 1') === PEERS - 1, 'an honest broadcast reaches every node')
    assert.equal(delivered('spoofed broadcast'), 0)
    const reasons = nodes.flatMap(node => node.events.filter(evt => evt.type === 'message:rejected').map(evt => evt.detail.reason))
    assert.ok(reasons.some(reason => /claims the name "node-2" but is registered as "mallory"/.test(reason)), reasons.join('\n'))
  })

  it('refuses a direct message that claims another name, a replayed one, and one from outside the replay window', async () => {
    const target = nodes[4]
    assert.equal(await mallory.forgeDirect(target, 'spoofed direct', { senderName: 'node-2' }), 'REJECTED')
    const id = randomBytes(16).toString('hex')
    assert.equal(await mallory.forgeDirect(target, 'once only', { messageId: id }), 'OK')
    assert.equal(await mallory.forgeDirect(target, 'once only', { messageId: id }), 'DUPLICATE', 'a second copy is acknowledged as delivered already, and not delivered')
    assert.equal(await mallory.forgeDirect(target, 'from the past', { sentAt: Date.now() - 10 * 60_000 }), 'REJECTED')
    assert.equal(await mallory.forgeDirect(target, 'from the future', { sentAt: Date.now() + 10 * 60_000 }), 'REJECTED')
    await waitFor(() => target.received().includes('once only'), 'the honest one arrives')
    assert.deepEqual(target.received().filter(text => ['spoofed direct', 'once only', 'from the past', 'from the future'].includes(text)), ['once only'])
  })

  it('never delivers a broadcast twice, even re-signed with a new gossipsub sequence number, nor one outside the window', async () => {
    const id = randomBytes(16).toString('hex')
    await mallory.forgeBroadcast('said once', { messageId: id })
    await waitFor(() => delivered('said once') === PEERS, 'the first copy reaches every node')
    const before = await rejected()
    await mallory.forgeBroadcast('said once', { messageId: id })
    await mallory.forgeBroadcast('stale news', { sentAt: Date.now() - 10 * 60_000 })
    await waitFor(async () => await rejected() >= before + 2, 'both are rejected')
    await nodes[1].broadcast('honest broadcast 2')
    await waitFor(() => delivered('honest broadcast 2') === PEERS - 1, 'an honest broadcast reaches every node')
    assert.equal(nodes.filter(node => node.received().filter(text => text === 'said once').length === 1).length, PEERS)
    assert.equal(delivered('stale news'), 0)
  })

  it('refuses a member that announces itself under another member\'s name, and keeps its registered name', async () => {
    const before = await swarm.snapshot()
    await mallory.announce('heartbeat', { fields: { name: 'node-3', nonce: randomBytes(8) } })
    // its mesh peers refuse it (ignored, not passed on: whether a name is vouched for depends on a node's view)
    await waitFor(async () => [...(await swarm.snapshot()).values()].some(node => node.rejected > before.get(node.key)!.rejected),
      'the renamed heartbeat is refused')
    await mallory.forgeBroadcast('i am node-3', { senderName: 'node-3' })
    await nodes[2].broadcast('honest broadcast 3')
    await waitFor(() => delivered('honest broadcast 3') === PEERS - 1, 'an honest broadcast reaches every node')
    assert.equal(delivered('i am node-3'), 0)
    for (const node of (await swarm.snapshot()).values()) {
      if (node.key !== mallory.key && node.key !== nodes[2].key) {
        assert.equal(node.states.mallory, 'alive', `${node.name} lost mallory's registered name`)
      }
    }
  })

  it('delivers nothing from a node that never joined the network, even once connected', async () => {
    const outsider = await swarm.create({ name: 'outsider' }) // no bootstrap: it never registered anywhere
    const target = nodes[6]
    await outsider.dial(target)
    // its own JOIN and heartbeats, signed but vouched for by nobody, do not make it a member anywhere
    const refusedBefore = (await swarm.snapshot()).get(target.key)!.rejected
    await outsider.announce('join')
    await waitFor(async () => (await swarm.snapshot()).get(target.key)!.rejected > refusedBefore, 'the outsider\'s JOIN is refused')
    assert.equal(await outsider.forgeDirect(target, 'let me in'), 'REJECTED')
    // nor does peer exchange, asked or asking: the target believes no stranger about itself or others
    assert.equal(await outsider.attack('exchangePeers', target), 0)
    const before = await rejected()
    await outsider.forgeBroadcast('outsider broadcast')
    await waitFor(async () => await rejected() > before, 'the outsider\'s broadcast is rejected')
    assert.equal(delivered('let me in'), 0)
    assert.equal(delivered('outsider broadcast'), 0)
    const holders = [...(await swarm.snapshot()).values()].filter(node => node.states.outsider != null).map(node => node.name)
    assert.deepEqual(holders, [], 'these nodes have the outsider in their view')
    await outsider.stop()
  })
})
