import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createNode, type P2PNode } from '../../dist/index.js'
import { freePort, waitFor } from '../helpers.ts'

const LISTEN = ['/ip4/127.0.0.1/tcp/0']
/** A well-formed peer id that nobody here has. */
const STRANGER = '12D3KooWPmbcKNbCzLQkeTr4B4kCiiRWVwVapUebrXdk9wSRPjPg'

describe('first contact through the library', () => {
  const nodes: P2PNode[] = []
  const start = async (init: Parameters<typeof createNode>[0]): Promise<P2PNode> => {
    const node = await createNode({ listen: LISTEN, ...init, start: false })
    nodes.push(node)
    await node.start()
    return node
  }
  after(async () => { await Promise.all(nodes.map(async node => node.stop())) })

  it('rejects start() when another peer answers at the bootstrap address, naming both ids', async () => {
    const bootstrap = await start({ role: 'bootstrap' })
    const address = bootstrap.multiaddrs[0].replace(bootstrap.peerId.toString(), STRANGER)
    await assert.rejects(start({ bootstrap: [address] }), (err: any) => {
      assert.equal(err.name, 'JoinRefusedError')
      assert.equal(err.reason, 'wrong-peer-id')
      assert.ok(err.message.includes(bootstrap.peerId.toString()) && err.message.includes(STRANGER), err.message)
      return true
    })
    assert.equal(nodes.at(-1)!.isStarted, false, 'the refused node stopped')
  })

  it('is "joining" while no bootstrap answers, tells each failed attempt, and joins once one does', async () => {
    // the bootstrap's key and port are chosen first: its address is known before it runs
    const privateKey = await generateKeyPair('Ed25519')
    const port = await freePort()
    const address = `/ip4/127.0.0.1/tcp/${port}/p2p/${peerIdFromPrivateKey(privateKey).toString()}`
    const node = await createNode({ listen: LISTEN, bootstrap: [address], start: false })
    nodes.push(node)
    const failures: string[] = []
    node.addEventListener('bootstrap:failed', (evt) => { failures.push(evt.detail.error) })
    let joinedThrough: string | undefined
    node.addEventListener('joined', (evt) => { joinedThrough = evt.detail.bootstrap.toString() })
    await node.start()
    await waitFor(() => failures.length >= 2, 'a second attempt to reach the bootstrap', 10_000)
    assert.match(failures[0], /ECONNREFUSED/)
    assert.equal(node.isReady, false)
    assert.equal((await node.status()).state, 'joining')

    const bootstrap = await start({ role: 'bootstrap', privateKey, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
    await waitFor(() => node.isReady, 'the node to join once the bootstrap is up', 30_000)
    assert.equal(joinedThrough, bootstrap.peerId.toString())
    assert.deepEqual([(await node.status()).state, (await node.networkSize()).size], ['joined', 2])
  })

  it('is ready only as a member holding the view: a broadcast sent at once reaches the nodes already ready', async () => {
    const bootstrap = await start({ role: 'bootstrap' })
    const [alice, bob] = [await createNode({ listen: LISTEN, name: 'alice', bootstrap: bootstrap.multiaddrs, start: false }),
      await createNode({ listen: LISTEN, name: 'bob', bootstrap: bootstrap.multiaddrs, start: false })]
    nodes.push(alice, bob)
    const received: string[] = []
    alice.addEventListener('message', (evt) => { received.push(`alice got ${evt.detail.text}`) })
    bob.addEventListener('message', (evt) => { received.push(`bob got ${evt.detail.text}`) })
    const ready = async (node: P2PNode): Promise<void> => node.isReady ? undefined : new Promise(resolve => { node.addEventListener('ready', () => { resolve() }, { once: true }) })

    await alice.start()
    await ready(alice)
    assert.equal((await alice.networkSize()).size, 2, 'alone with its bootstrap, and knows it')
    await bob.start()
    await ready(bob)
    assert.equal((await bob.networkSize()).size, 3, 'bob holds the view: alice, the bootstrap and itself')
    await bob.broadcast('hi alice')
    await waitFor(() => received.includes('alice got hi alice'), 'bob\'s first broadcast at alice', 10_000)
    await waitFor(() => alice.members().some(member => member.name === 'bob'), 'alice to know bob', 10_000)
    await alice.broadcast('hi bob')
    await waitFor(() => received.includes('bob got hi bob'), 'alice\'s broadcast at bob', 10_000)
  })
})
