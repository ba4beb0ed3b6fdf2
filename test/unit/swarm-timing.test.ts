import assert from 'node:assert/strict'
import { it } from 'node:test'
import { resolveConfig } from '../../dist/internal.js'
import { defaultTimingScale, scaledTiming } from '../../dist/swarm/coordinator.js'

it('the swarm\'s slowed timings are valid node options at every scale --timing-scale takes (1 to 100)', () => {
  for (let scale = 1; scale <= 100; scale++) {
    const options = scaledTiming(scale)
    const config = resolveConfig(options)
    for (const [key, value] of Object.entries(options)) {
      assert.equal(config[key as keyof typeof config], value, `${key} at x${scale}`)
    }
  }
})

it('slows a big swarm by N/50 past 200 nodes and N²/25,000 past 500: x10 at 500 nodes, x40 at 1,000, at most x100', () => {
  assert.deepEqual([2, 200, 201, 300, 500, 1000, 2000, 5000].map(defaultTimingScale), [1, 1, 5, 6, 10, 40, 100, 100])
  for (let nodes = 3; nodes <= 5000; nodes++) {
    assert.ok(defaultTimingScale(nodes) >= defaultTimingScale(nodes - 1), `no faster at ${nodes} nodes than at ${nodes - 1}`)
  }
})
