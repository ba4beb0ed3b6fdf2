import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createNode, type P2PNode } from '../../dist/index.js'
import { waitFor } from '../helpers.ts'

const started: P2PNode[] = []
after(async () => { await Promise.all(started.map(async node => node.stop())) })

// heartbeats a minute apart: only the bootstrap's answer can bring the member back within the deadline
const SLOW = { heartbeatInterval: 60_000 }

describe('a false death verdict', () => {
  it('is undone once a bootstrap checks the member and it answers', async () => {
    const bootstrap = await createNode({ role: 'bootstrap', ...SLOW })
    started.push(bootstrap)
    const [a, b] = await Promise.all(['a', 'b'].map(async name => createNode({ name, bootstrap: bootstrap.multiaddrs, ...SLOW })))
    started.push(a, b)
    const stateOfB = (): string | undefined => a.members().find(member => member.name === 'b')?.state
    await waitFor(() => stateOfB() === 'alive', 'a sees b')
    const returns: string[] = []
    a.addEventListener('member:join', evt => { returns.push(evt.detail.name) })

    // what a's liveness check does when b's connection closes and b cannot be reached at once (a reset on a loaded
    // machine): b is dead for a, and reported to the bootstrap, which pings b itself
    ;(a.parts.membership as any).declareDead(b.peerId, 'a check that failed')
    assert.equal(stateOfB(), 'dead')

    await waitFor(() => stateOfB() === 'alive', 'b alive again for a', 10_000)
    assert.deepEqual(returns, ['b'])
  })
})
