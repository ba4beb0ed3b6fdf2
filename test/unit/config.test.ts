import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveConfig } from '../../dist/config.js'
import { parseCliArgs } from '../../dist/cli/args.js'
import { createNode } from '../../dist/index.js'

const BOOT = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWLvNhjr27KwiyxGWcNLXgwFiYGtz51hYchfwxqAcAckfi'

describe('resolveConfig', () => {
  it('fills every default', () => {
    const config = resolveConfig({})
    assert.equal(config.role, 'peer')
    assert.deepEqual(config.listen, ['/ip4/127.0.0.1/tcp/0'])
    assert.equal(config.targetConnections, 8)
    assert.equal(config.maxMessageBytes, 65536)
    assert.equal(config.maxConnections, 300)
    assert.equal(resolveConfig({ role: 'bootstrap' }).maxConnections, 2000)
  })

  const bad: Array<[string, object]> = [
    ['role', { role: 'leader' }],
    ['name', { name: '' }],
    ['name', { name: 'has space' }],
    ['name', { name: 'x'.repeat(65) }],
    ['listen', { listen: 'not-an-array' }],
    ['listen', { listen: ['/not/a/multiaddr'] }],
    ['listen', { listen: [] }],
    ['bootstrap', { bootstrap: ['/ip4/127.0.0.1/tcp/4001'] }],
    ['bootstrap', { bootstrap: [42] }],
    ['targetConnections', { targetConnections: 0 }],
    ['targetConnections', { targetConnections: 2.5 }],
    ['maxMessageBytes', { maxMessageBytes: 64 * 1024 * 1024 }],
    ['requestTimeout', { requestTimeout: '10s' }],
    ['protocolPrefix', { protocolPrefix: '/bad/' }],
    ['start', { start: 'yes' }],
    ['keyFile', { keyFile: '' }],
    ['colour', { colour: 'blue' }],
    ['rateLimits', { rateLimits: 'fast' }],
    ['rateLimits.floods', { rateLimits: { floods: 1 } }],
    ['rateLimits.directPerSecond', { rateLimits: { directPerSecond: 0 } }],
    ['banDuration', { banDuration: 5 }]
  ]
  for (const [option, init] of bad) {
    it(`rejects ${JSON.stringify(init)} naming "${option}"`, () => {
      assert.throws(() => resolveConfig(init as any), (err: any) => {
        assert.equal(err.name, 'InvalidOptionError')
        assert.equal(err.option, option)
        return true
      })
    })
  }

  it('createNode() rejects bad options before starting anything', async () => {
    await assert.rejects(createNode({ bootstrap: ['nonsense'] }), { name: 'InvalidOptionError', option: 'bootstrap' })
  })
})

describe('parseCliArgs', () => {
  it('builds createNode() options from flags', () => {
    const { init, logLevel } = parseCliArgs('peer', ['--bootstrap', BOOT, '--name', 'alice', '--port', '5000', '--host', '127.0.0.1', '--log-level', 'debug'])
    assert.deepEqual(init.listen, ['/ip4/127.0.0.1/tcp/5000'])
    assert.deepEqual(init.bootstrap, [BOOT])
    assert.equal(init.name, 'alice')
    assert.equal(logLevel, 'debug')
  })

  it('gives the bootstrap its defaults', () => {
    const { init } = parseCliArgs('bootstrap', [])
    assert.deepEqual(init.listen, ['/ip4/0.0.0.0/tcp/4001'])
    assert.equal(init.name, 'bootstrap')
  })

  const bad: Array<[string, string[], RegExp]> = [
    ['an unknown flag', ['--bogus'], /Unknown option '--bogus'/],
    ['a missing bootstrap', [], /--bootstrap is required/],
    ['a bootstrap without a peer id', ['--bootstrap', '/ip4/127.0.0.1/tcp/4001'], /no \/p2p\/<peer id>/],
    ['a bad multiaddr', ['--bootstrap', 'localhost:4001'], /not a valid multiaddr/],
    ['a port out of range', ['--bootstrap', BOOT, '--port', '70000'], /--port must be/],
    ['a port that is not a number', ['--bootstrap', BOOT, '--port', 'abc'], /--port must be/],
    ['a bad host', ['--bootstrap', BOOT, '--host', 'my host'], /--host must be/],
    ['a bad name', ['--bootstrap', BOOT, '--name', 'a b'], /--name must be/],
    ['a bad log level', ['--bootstrap', BOOT, '--log-level', 'loud'], /--log-level must be/],
    ['a positional argument', ['--bootstrap', BOOT, 'extra'], /Unexpected argument/]
  ]
  for (const [what, argv, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(() => parseCliArgs('peer', argv), (err: any) => err.name === 'UsageError' && message.test(err.message))
    })
  }
})
