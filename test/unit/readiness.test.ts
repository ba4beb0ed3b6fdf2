import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Readiness, type ReadinessInit } from '../../dist/internal.js'

const BROADCAST = '/p2p-node/broadcast/1'
const MEMBERSHIP = '/p2p-node/membership/1'

/** A peer node's readiness over stubs of gossipsub's meshes, the registry's state, the keeper and the view. */
function peerNode (): { readiness: Readiness, pubsub: EventTarget, state: Record<string, any>, calls: string[], joined: () => void } {
  const state: Record<string, any> = { joined: false, joinedAlone: false, caughtUp: false, short: false, broadcastMesh: [], membershipMesh: [], peers: [{ role: 'peer' }] }
  const calls: string[] = []
  const pubsub = Object.assign(new EventTarget(), {
    getMeshPeers: (topic: string) => topic === BROADCAST ? state.broadcastMesh : state.membershipMesh
  })
  const membership = Object.assign(new EventTarget(), {
    topic: MEMBERSHIP,
    registrations: {
      get isJoined () { return state.joined },
      get joinedAlone () { return state.joinedAlone },
      retryRegistrations: () => { calls.push('retry') }
    }
  })
  const keeper = {
    get hasCaughtUp () { return state.caughtUp },
    catchUp: () => { calls.push('catchUp') },
    settle: () => { calls.push('settle') },
    widen: () => { calls.push('widen') },
    isShort: () => state.short
  }
  const members = { live: () => state.peers }
  const readiness = new Readiness({ role: 'peer', pubsub, broadcastTopic: BROADCAST, membership, keeper, members } as unknown as ReadinessInit)
  readiness.start()
  return { readiness, pubsub, state, calls, joined: () => { state.joined = true; membership.dispatchEvent(new CustomEvent('joined')) } }
}

const heartbeat = (pubsub: EventTarget): void => { pubsub.dispatchEvent(new CustomEvent('gossipsub:heartbeat')) }

describe('Readiness', () => {
  it('a bootstrap is always ready', () => {
    const readiness = new Readiness({ role: 'bootstrap' } as unknown as ReadinessInit)
    assert.equal(readiness.isReady, true)
  })

  it('a peer node is ready once registered, caught up and in the broadcast mesh, and says so once', () => {
    const { readiness, pubsub, state, calls, joined } = peerNode()
    let ready = 0
    readiness.addEventListener('ready', () => { ready++ })
    heartbeat(pubsub)
    assert.deepEqual(calls, ['retry'], 'not registered: it registers again')
    joined()
    assert.equal(readiness.isReady, false)
    state.membershipMesh = ['x']
    heartbeat(pubsub)
    assert.ok(calls.includes('catchUp'), 'in the membership mesh: it catches up')
    state.caughtUp = true
    heartbeat(pubsub)
    assert.equal(ready, 0, 'no broadcast mesh peer yet')
    state.broadcastMesh = ['y']
    pubsub.dispatchEvent(new CustomEvent('gossipsub:graft'))
    heartbeat(pubsub)
    assert.equal(readiness.isReady, true)
    assert.equal(ready, 1)
  })

  it('a registered node whose bootstrap knew no other peer node catches up at once, and is ready without a mesh', () => {
    const { readiness, pubsub, state, calls, joined } = peerNode()
    state.joinedAlone = true
    state.peers = []
    joined()
    assert.deepEqual(calls, ['catchUp'])
    state.caughtUp = true
    heartbeat(pubsub)
    assert.equal(readiness.isReady, true)
  })

  it('dials more after 3 heartbeats outside a mesh while it has its connections, and not while it is short of them', () => {
    const { pubsub, state, calls, joined } = peerNode()
    joined()
    state.short = true
    for (let i = 0; i < 3; i++) heartbeat(pubsub)
    assert.equal(calls.filter(call => call === 'widen').length, 0)
    state.short = false
    for (let i = 0; i < 3; i++) heartbeat(pubsub)
    assert.equal(calls.filter(call => call === 'widen').length, 1)
    state.broadcastMesh = ['y']
    state.membershipMesh = ['x']
    heartbeat(pubsub)
    assert.equal(calls.at(-1), 'settle')
  })
})
