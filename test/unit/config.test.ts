import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveConfig, parseCliArgs } from '../../dist/internal.js'
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
    assert.equal(config.gossipHeartbeatInterval, 1000)
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
    ['banDuration', { banDuration: 5 }],
    ['gossipHeartbeatInterval', { gossipHeartbeatInterval: 10 }],
    ['http', { http: 8080 }],
    ['http.port', { http: {} }],
    ['http.port', { http: { port: 70000 } }],
    ['http.port', { http: { port: '5000' } }],
    ['http.host', { http: { port: 0, host: 'localhost' } }],
    ['http.token', { http: { port: 0, token: 'short' } }],
    ['http.token', { http: { port: 0, token: 'has a space in it' } }],
    ['http.tls', { http: { port: 0, tls: true } }],
    ['trustedNetworks', { trustedNetworks: '10.0.0.0/8' }],
    ['trustedNetworks', { trustedNetworks: ['10.0.0.0/33'] }],
    ['trustedNetworks', { trustedNetworks: ['example.com'] }],
    ['trustedNetworks', { trustedNetworks: ['10.0.0.0/8/8'] }],
    ['trustedNetworks', { trustedNetworks: [8] }]
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

  it('takes the HTTP API\'s options, on 127.0.0.1 unless told otherwise', () => {
    assert.equal(resolveConfig({}).http, undefined)
    assert.deepEqual(resolveConfig({ http: { port: 5001 } }).http, { port: 5001, host: '127.0.0.1', token: undefined })
    assert.deepEqual(resolveConfig({ http: { port: 0, host: '::1', token: 'secret-token' } }).http, { port: 0, host: '::1', token: 'secret-token' })
  })

  it('takes trusted networks as CIDRs or single addresses, none by default', () => {
    assert.deepEqual(resolveConfig({}).trustedNetworks, [])
    assert.deepEqual(resolveConfig({ trustedNetworks: ['10.0.0.0/8', ' 192.168.1.7', 'fd00::/8'] }).trustedNetworks,
      ['10.0.0.0/8', '192.168.1.7/32', 'fd00::/8'])
  })

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

  it('turns --http-port, --http-host and --http-token into the http option', () => {
    assert.equal(parseCliArgs('bootstrap', []).init.http, undefined)
    assert.deepEqual(parseCliArgs('bootstrap', ['--http-port', '5000']).init.http, { port: 5000 })
    assert.deepEqual(parseCliArgs('peer', ['--bootstrap', BOOT, '--http-port', '0', '--http-host', '0.0.0.0', '--http-token', 'secret-token']).init.http,
      { port: 0, host: '0.0.0.0', token: 'secret-token' })
  })

  it('turns --trusted-net (repeatable, or P2P_TRUSTED_NET) into trustedNetworks', () => {
    assert.equal(parseCliArgs('peer', ['--bootstrap', BOOT]).init.trustedNetworks, undefined)
    assert.deepEqual(parseCliArgs('peer', ['--bootstrap', BOOT, '--trusted-net', '10.0.0.0/8', '--trusted-net', '192.168.1.7']).init.trustedNetworks,
      ['10.0.0.0/8', '192.168.1.7'])
    assert.deepEqual(parseCliArgs('bootstrap', [], { P2P_TRUSTED_NET: '172.16.0.0/12,fd00::/8' }).init.trustedNetworks, ['172.16.0.0/12', 'fd00::/8'])
  })

  it('takes every flag from its P2P_ environment variable, and a flag wins over it', () => {
    const env = {
      P2P_BOOTSTRAP: `${BOOT}, ${BOOT.replace('4001', '4002')}`,
      P2P_NAME: 'from-env',
      P2P_PORT: '4100',
      P2P_HOST: '127.0.0.1',
      P2P_HTTP_PORT: '5003',
      P2P_HTTP_TOKEN: 'secret-token',
      P2P_LOG_LEVEL: 'warn',
      P2P_HELP: 'true'
    }
    const { init, logLevel, help } = parseCliArgs('peer', [], env)
    assert.equal(help, false, 'only string flags come from the environment')
    assert.deepEqual(init.bootstrap, [BOOT, BOOT.replace('4001', '4002')])
    assert.equal(init.name, 'from-env')
    assert.deepEqual(init.listen, ['/ip4/127.0.0.1/tcp/4100'])
    assert.deepEqual(init.http, { port: 5003, token: 'secret-token' })
    assert.equal(logLevel, 'warn')
    assert.equal(parseCliArgs('peer', ['--name', 'from-flag'], env).init.name, 'from-flag')
    assert.throws(() => parseCliArgs('peer', [], { ...env, P2P_HTTP_PORT: 'eighty' }), /^UsageError: P2P_HTTP_PORT \(from the environment\) must be/)
    assert.throws(() => parseCliArgs('peer', [], { ...env, P2P_HTTP_TOKEN: 's3cret' }), /^UsageError: P2P_HTTP_TOKEN \(from the environment\) must be 8-256/)
    assert.throws(() => parseCliArgs('peer', ['--http-token', 's3cret'], env), /^UsageError: --http-token must be 8-256/)
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
    ['a positional argument', ['--bootstrap', BOOT, 'extra'], /Unexpected argument/],
    ['an HTTP port out of range', ['--bootstrap', BOOT, '--http-port', '65536'], /--http-port must be/],
    ['an HTTP host that is not an address', ['--bootstrap', BOOT, '--http-port', '0', '--http-host', 'localhost'], /--http-host must be/],
    ['an HTTP token too short', ['--bootstrap', BOOT, '--http-port', '0', '--http-token', 'abc'], /--http-token must be/],
    ['an HTTP host without a port', ['--bootstrap', BOOT, '--http-host', '127.0.0.1'], /--http-host needs --http-port/],
    ['a trusted network that is not one', ['--bootstrap', BOOT, '--trusted-net', '10.0.0.0/40'], /--trusted-net 10.0.0.0\/40 is not an IP network/]
  ]
  for (const [what, argv, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(() => parseCliArgs('peer', argv), (err: any) => err.name === 'UsageError' && message.test(err.message))
    })
  }
})
