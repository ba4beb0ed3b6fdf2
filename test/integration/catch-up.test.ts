import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode, type P2PNode } from '../../dist/index.js'
import { MAX_PEERS_PER_ANSWER } from '../../dist/internal.js'
import { waitFor } from '../helpers.ts'

const started: P2PNode[] = []
after(async () => { await Promise.all(started.map(async node => node.stop())) })

/**
 * A bootstrap that pings no one in the test's time, so that the members put in its view stay alive there. Its
 * replay window of 1 s makes a member settled (known longer than an announcement may take to arrive) after 2 s.
 */
async function quietBootstrap (): Promise<P2PNode> {
  const bootstrap = await createNode({ role: 'bootstrap', pingInterval: 600_000, replayWindow: 1_000 })
  started.push(bootstrap)
  return bootstrap
}

/** Puts `count` registered members in the bootstrap's view (their addresses are closed loopback ports); resolves with their names. */
async function register (bootstrap: P2PNode, count: number, prefix: string): Promise<string[]> {
  const view = bootstrap.parts.members
  const ids = await Promise.all(Array.from({ length: count }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
  ids.forEach((peerId, i) => {
    view.selfReport({ peerId, name: `${prefix}-${i}`, role: 'peer', multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${i + 1}`)], nonce: 'aa', seq: 0, sentAt: Date.now(), heartbeatInterval: 600_000 }, Date.now(), true)
  })
  return ids.map((_, i) => `${prefix}-${i}`)
}

function missing (node: P2PNode, names: string[]): string[] {
  const known = new Set(node.members().map(member => member.name))
  return names.filter(name => !known.has(name))
}

describe('catching up with a bootstrap', () => {
  it('pages through its whole view, more members than one answer holds', async () => {
    const bootstrap = await quietBootstrap()
    const names = await register(bootstrap, 2 * MAX_PEERS_PER_ANSWER + 5, 'm')
    const node = await createNode({ name: 'late', bootstrap: bootstrap.multiaddrs })
    started.push(node)

    // the first answer starts with the bootstrap itself: it once held one record too many, and the asker refused it
    // (the node's own first exchange, a sample, may have added some already)
    await node.libp2p.services.peerExchange.exchangeAll(bootstrap.peerId)

    assert.deepEqual(missing(node, names), [])
  })

  it('a node that knows fewer members than its bootstrap has known for longer than an announcement takes, pages through its view', async () => {
    const bootstrap = await quietBootstrap()
    const node = await createNode({ name: 'behind', bootstrap: bootstrap.multiaddrs, peerExchangeInterval: 1_000 })
    started.push(node)
    const peerExchange = node.libp2p.services.peerExchange
    const pagings: Array<Promise<number>> = []
    const exchangeAll = peerExchange.exchangeAll.bind(peerExchange)
    peerExchange.exchangeAll = async (peer, options) => {
      const paging = exchangeAll(peer, options)
      pagings.push(paging)
      return paging
    }
    // its catch-up (a page through the bootstrap's view once it joined, alone here) is over
    await waitFor(() => node.parts.keeper.hasCaughtUp === true, 'the node caught up with its bootstrap')
    await Promise.allSettled(pagings)
    const before = pagings.length

    // members whose JOINs the node never heard: four answers' worth, which random samples alone take some 45
    // exchanges to find every one of
    const names = await register(bootstrap, 4 * MAX_PEERS_PER_ANSWER, 'unheard')

    await waitFor(() => missing(node, names).length === 0, 'the node knows every member of the bootstrap\'s view')
    assert.ok(pagings.length > before, 'it paged through the view')
  })

  it('once caught up, a node paces its heartbeats by the whole view, not by the few members it knew at its JOIN', async () => {
    const bootstrap = await quietBootstrap()
    // 257 members: a heartbeat every 26 base intervals (7.8 s), where the view at JOIN time gives at most 7 (2.1 s)
    await register(bootstrap, 4 * MAX_PEERS_PER_ANSWER, 'm')
    const node = await createNode({ name: 'paced', bootstrap: bootstrap.multiaddrs, heartbeatInterval: 300, start: false })
    started.push(node)
    const announced: Array<{ kind: string, at: number }> = []
    const announcer = node.parts.membership.dissemination as any
    const announce = announcer.announce.bind(announcer)
    announcer.announce = async (kind: string, extra?: object) => {
      announced.push({ kind, at: Date.now() })
      return announce(kind, extra)
    }
    await node.start()
    // either may come first: the JOIN waits for a peer to hear it, the page-through for the bootstrap's answers
    await waitFor(() => node.parts.keeper.hasCaughtUp === true && announced.some(a => a.kind === 'join'), 'the node JOINed and paged through its bootstrap\'s view')
    const joinedAt = announced.find(a => a.kind === 'join')?.at
    assert.ok(joinedAt != null)
    // an observation window, not a synchronisation: in it, a node sent its first heartbeat at the pace of the view
    // it had at its JOIN
    await new Promise(resolve => setTimeout(resolve, Math.max(0, joinedAt + 4_000 - Date.now())))

    assert.deepEqual(announced.filter(a => a.at - joinedAt < 4_000).map(a => a.kind), ['join'])
  })
})
