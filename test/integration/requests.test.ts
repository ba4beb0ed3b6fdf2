import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createNode, type P2PNode } from '../../dist/index.js'
import { STATUS_MAX_STREAMS as MAX_STREAMS } from '../../dist/internal.js'

const started: P2PNode[] = []
after(async () => { await Promise.all(started.map(async node => node.stop())) })

describe('requests to one peer', () => {
  it('past the protocol\'s stream limit wait their turn instead of failing', async () => {
    const bootstrap = await createNode({ role: 'bootstrap' })
    started.push(bootstrap)
    const node = await createNode({ name: 'asker', bootstrap: bootstrap.multiaddrs })
    started.push(node)
    // libp2p refuses a stream past the limit outright; a joining node looking up many members at once hit it
    const burst = 4 * MAX_STREAMS
    const answers = await Promise.allSettled(Array.from({ length: burst }, async () =>
      node.parts.status.protocol.ask(bootstrap.peerId, {})))
    const failures = answers.flatMap(answer => answer.status === 'rejected' ? [String(answer.reason?.message)] : [])
    assert.deepEqual(failures, [], `${failures.length} of ${burst} requests failed`)
    for (const answer of answers) {
      assert.equal(answer.status === 'fulfilled' && answer.value.response.peerId, bootstrap.peerId.toString())
    }
  })
})
