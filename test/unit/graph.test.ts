import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { networkGraph, toDot } from '../../dist/internal.js'
import type { MemberInfo } from '../../dist/index.js'

function member (peerId: string, fields: Partial<MemberInfo> = {}): MemberInfo {
  return { peerId, name: `n-${peerId}`, role: 'peer', state: 'alive', multiaddrs: [], connected: false, firstSeen: 0, lastSeen: 0, neighbours: [], mesh: [], ...fields }
}

describe('networkGraph', () => {
  it('draws itself and the live members, each edge once, mesh links where every end that listed them agrees', () => {
    const graph = networkGraph({
      self: { id: 'a', name: 'me', role: 'peer', neighbours: ['b', 'c', 'boot'], mesh: ['b', 'boot'] },
      members: [
        member('b', { neighbours: ['a', 'c'], mesh: ['a'] }),
        member('c', { state: 'suspect', neighbours: ['a', 'b', 'gone', 'unknown'], mesh: ['b'] }),
        member('boot', { role: 'bootstrap' }), // no heartbeat since it connected to a
        member('gone', { state: 'dead', neighbours: ['a'], mesh: ['a'] })
      ]
    })
    assert.equal(graph.self, 'a')
    assert.deepEqual(graph.nodes.map(node => [node.id, node.state, node.self]), [
      ['a', 'alive', true], ['b', 'alive', false], ['c', 'suspect', false], ['boot', 'alive', false]
    ])
    const edges = Object.fromEntries(graph.edges.map(edge => [`${edge.source}-${edge.target}`, edge.mesh]))
    assert.deepEqual(edges, {
      'a-b': true, // both say mesh
      'a-c': false, // neither
      'a-boot': false, // a grafted the bootstrap, which stays out of the mesh
      'b-c': false // c says mesh, b does not
    })
  })

  it('writes DOT with quoted ids, one line per node and edge', () => {
    const dot = toDot(networkGraph({ self: { id: 'a"x', name: 'me', role: 'bootstrap', neighbours: ['b'], mesh: [] }, members: [member('b')] }))
    assert.equal(dot, [
      'graph p2p {',
      '  node [shape=ellipse, fontsize=10];',
      '  "a\\"x" [label="me\\nbootstrap", shape=box, penwidth=2];',
      '  "b" [label="n-b\\npeer"];',
      '  "a\\"x" -- "b" [color=gray];',
      '}',
      ''
    ].join('\n'))
  })
})
