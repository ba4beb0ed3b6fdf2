import assert from 'node:assert/strict'
import { it } from 'node:test'
import { resolveConfig } from '../../dist/config.js'
import { scaledTiming } from '../../dist/swarm/coordinator.js'

it('the swarm\'s slowed timings are valid node options at every scale --timing-scale takes (1 to 100)', () => {
  for (let scale = 1; scale <= 100; scale++) {
    const options = scaledTiming(scale)
    const config = resolveConfig(options)
    for (const [key, value] of Object.entries(options)) {
      assert.equal(config[key as keyof typeof config], value, `${key} at x${scale}`)
    }
  }
})
