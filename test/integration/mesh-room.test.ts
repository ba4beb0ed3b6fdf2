import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { MESH_DEGREE } from '../../dist/internal.js'
import { createNode, type P2PNode } from '../../dist/index.js'
import { waitFor } from '../helpers.ts'

const PEERS = 10
/** Connections the first peers keep: once they have them, none dials the newcomer (a GRAFT over it is accepted). */
const FIRST_TARGET = 4
const started: P2PNode[] = []
after(async () => { await Promise.all(started.map(async node => node.stop())) })

/**
 * gossipsub refuses a GRAFT over a connection it did not dial once its mesh holds Dhi peers, and a joining node
 * dials all its connections. Dhi at 0 makes a mesh full, taking no newcomer into it; D past any mesh size keeps it
 * as it is (a mesh over Dhi is pruned down to D), and Dlo and Dout at 0 keep it from grafting more. A mesh that
 * lost a peer would have room again: at Dhi = its size, a full peer that took in a GRAFT already on its way, went
 * over Dhi and pruned gave a full neighbour room (1 run in 6). It dials no one either: gossipsub accepts a GRAFT
 * over a connection it dialed, full or not. Back to normal, Dhi stays above the mesh's size, so that it prunes none
 * of the full peers.
 */
const setFull = (node: P2PNode, full: boolean): void => {
  const opts = (node.libp2p.services.pubsub as any).opts
  opts.Dhi = full ? 0 : Math.max(MESH_DEGREE.Dhi, node.meshPeers() + 1)
  opts.D = full ? Number.MAX_SAFE_INTEGER : MESH_DEGREE.D
  opts.Dlo = full ? 0 : MESH_DEGREE.Dlo
  opts.Dout = full ? 0 : MESH_DEGREE.Dout;
  (node.parts.keeper as any).init.targetConnections = full ? 0 : FIRST_TARGET
}

describe('a joining node that meets only peers with full meshes', () => {
  it('connects to more peers until one takes it into the mesh', async () => {
    const bootstrap = await createNode({ role: 'bootstrap' })
    started.push(bootstrap)
    const peers = await Promise.all(Array.from({ length: PEERS }, async (_, i) => createNode({ name: `peer-${i}`, bootstrap: bootstrap.multiaddrs, targetConnections: FIRST_TARGET })))
    started.push(...peers)
    // a mesh under Dlo grafts more peers: it would take in the newcomer, full or not
    await waitFor(() => peers.every(peer => peer.meshPeers() >= MESH_DEGREE.Dlo && peer.peerConnections() >= FIRST_TARGET && peer.networkStatus().size.size === PEERS + 1), 'the first nodes form a mesh')
    peers.forEach(peer => { setFull(peer, true) })

    const newcomer = await createNode({ name: 'newcomer', bootstrap: bootstrap.multiaddrs, targetConnections: 2 })
    started.push(newcomer)
    await waitFor(() => newcomer.peerConnections() >= 2, 'the newcomer connects to two peers', 10_000, 10)
    // within its first gossipsub heartbeats: every other peer has room again, the two it met do not
    const met = new Set(newcomer.libp2p.getPeers().map(String))
    peers.filter(peer => !met.has(peer.peerId.toString())).forEach(peer => { setFull(peer, false) })

    // the newcomer's own mesh lists whom it grafted, refused or not: ask the peers
    const grafting = (): P2PNode[] => peers.filter(peer => peer.meshPeerIds().includes(newcomer.peerId.toString()))
    await waitFor(() => grafting().length > 0, 'a peer takes the newcomer into its broadcast mesh', 20_000)
    assert.ok(newcomer.peerConnections() > 2, `${newcomer.peerConnections()} peer connections`)
    assert.deepEqual(grafting().filter(peer => met.has(peer.peerId.toString())).map(peer => peer.name), [])
  })
})
