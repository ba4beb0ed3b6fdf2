import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BoundedMap } from '../../dist/internal.js'

describe('BoundedMap', () => {
  it('drops the oldest entry when one more is added past its capacity', () => {
    const map = new BoundedMap<string, number>(2)
    map.set('a', 1).set('b', 2).set('c', 3)
    assert.deepEqual([...map.entries()], [['b', 2], ['c', 3]])
  })

  it('keeps every entry when a key already held is set again', () => {
    const map = new BoundedMap<string, number>(2)
    map.set('a', 1).set('b', 2).set('a', 10)
    assert.deepEqual([...map.entries()], [['a', 10], ['b', 2]])
  })

  it('counts an entry deleted and set again as the newest', () => {
    const map = new BoundedMap<string, number>(2)
    map.set('a', 1).set('b', 2)
    map.delete('a')
    map.set('a', 3).set('c', 4)
    assert.deepEqual([...map.keys()], ['a', 'c'])
  })
})
