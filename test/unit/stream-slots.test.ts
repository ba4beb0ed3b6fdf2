import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { StreamSlots } from '../../dist/internal.js'

describe('StreamSlots', () => {
  it('lets `limit` through per peer, then one per release, in order', async () => {
    const slots = new StreamSlots(2)
    const signal = new AbortController().signal
    const first = await slots.acquire('a', signal)
    await slots.acquire('a', signal)
    await slots.acquire('b', signal) // another peer has slots of its own
    const order: number[] = []
    const third = slots.acquire('a', signal).then(release => { order.push(3); return release })
    const fourth = slots.acquire('a', signal).then(release => { order.push(4); return release })
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(order, [])
    first()
    first() // a second call releases nothing more
    const release3 = await third
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(order, [3])
    release3()
    await fourth
    assert.deepEqual(order, [3, 4])
  })

  it('a wait that is aborted rejects, and gives up its place', async () => {
    const slots = new StreamSlots(1)
    const release = await slots.acquire('a', new AbortController().signal)
    const controller = new AbortController()
    const waiting = slots.acquire('a', controller.signal)
    const after = slots.acquire('a', new AbortController().signal)
    controller.abort(new Error('deadline'))
    await assert.rejects(waiting, /deadline/)
    release()
    const next = await after // the aborted one did not take the slot
    next()
    await assert.rejects(slots.acquire('a', AbortSignal.abort(new Error('already'))), /already/)
  })
})
