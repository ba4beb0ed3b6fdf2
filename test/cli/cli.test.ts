import assert from 'node:assert/strict'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { runtimeProblem } from '../../dist/internal.js'
import { CliProcess, DIST, waitFor } from '../helpers.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

const HOST = ['--host', '127.0.0.1']
const running: CliProcess[] = []
after(() => { for (const cli of running) cli.kill() })

function start (script: string, args: string[], options?: { node?: string, env?: Record<string, string> }): CliProcess {
  const cli = new CliProcess(script, args, options)
  running.push(cli)
  return cli
}

describe('a bootstrap and 3 node processes', () => {
  let bootstrap: CliProcess
  let bootstrapAddr: string
  const nodes: CliProcess[] = []

  before(async () => {
    bootstrap = start('bootstrap.js', [...HOST, '--port', '0'])
    ;[, bootstrapAddr] = await bootstrap.waitForLine(/--bootstrap (\S+)/)
    for (let i = 1; i <= 3; i++) {
      nodes.push(start('node.js', [...HOST, '--bootstrap', bootstrapAddr, '--name', `cli-${i}`]))
    }
    await Promise.all(nodes.map(async node => node.waitForLine(/^ready:/)))
  })

  it('prints the bootstrap\'s full multiaddr and a ready-to-paste node command', async () => {
    assert.match(bootstrapAddr, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo\w+$/)
    await bootstrap.waitForLine(/^peer id: 12D3Koo/)
  })

  it('broadcasts a line typed into one node to the others', async () => {
    nodes[0].child.stdin.write('hello from the first node\n')
    await Promise.all(nodes.slice(1).map(async node => node.waitForLine(/^\[broadcast\] cli-1: hello from the first node$/)))
  })

  it('sends /msg directly to one node', async () => {
    nodes[1].child.stdin.write('/msg cli-3 just for you\n')
    await nodes[2].waitForLine(/^\[direct\] cli-2: just for you$/)
    await nodes[1].waitForLine(/^delivered to cli-3$/)
    assert.ok(!nodes[0].lines.some(line => line.includes('just for you')), 'only the target sees a direct message')
  })

  it('prints peers and status on request', async () => {
    nodes[2].child.stdin.write('/peers\n/status cli-1\n')
    await nodes[2].waitForLine(/known, \d+ connected/)
    await nodes[2].waitForLine(/"name": "cli-1"/)
  })

  it('refuses a port in use with one clear line, and exits though its HTTP API had started', async () => {
    const port = bootstrapAddr.split('/')[4]
    const clash = start('bootstrap.js', [...HOST, '--port', port, '--http-port', '0'])
    const { code } = await clash.exited
    assert.equal(code, 1)
    assert.match(clash.errors.join('\n'), /port is already in use \(--port \d+\)/)
  })

  it('refuses an HTTP port in use with one clear line', async () => {
    const { createServer } = await import('node:net')
    const server = createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    try {
      const clash = start('bootstrap.js', [...HOST, '--port', '0', '--http-port', String(port)])
      assert.equal((await clash.exited).code, 1)
      assert.match(clash.errors.join('\n'), new RegExp(`HTTP port is already in use \\(--http-port ${port}\\)`))
    } finally {
      server.close()
    }
  })

  it('refuses a name already in use, printing the reason, exiting 1', async () => {
    const duplicate = start('node.js', [...HOST, '--bootstrap', bootstrapAddr, '--name', 'cli-2'])
    const { code } = await duplicate.exited
    assert.equal(code, 1)
    assert.match(duplicate.errors.join('\n'), /the name "cli-2" is already held by 12D3Koo/)
  })

  it('refuses a bootstrap address whose peer id is not the one answering there, naming both, within seconds', async () => {
    const stranger = '12D3KooWPmbcKNbCzLQkeTr4B4kCiiRWVwVapUebrXdk9wSRPjPg'
    const real = bootstrapAddr.split('/p2p/')[1]
    const started = Date.now()
    const wrong = start('node.js', [...HOST, '--bootstrap', bootstrapAddr.replace(real, stranger), '--name', 'wrong-id'])
    const { code } = await wrong.exited
    assert.equal(code, 1)
    const error = wrong.errors.join('\n')
    assert.ok(error.includes(real) && error.includes(stranger), error)
    assert.ok(!wrong.lines.some(line => line.startsWith('ready:')), 'never ready')
    console.log(`# refused the wrong peer id in ${Date.now() - started} ms`)
  })

  it('refuses a second process started with the key file of a running one', async () => {
    const keyFile = join(mkdtempSync(join(tmpdir(), 'p2p-node-')), 'node.key')
    const first = start('node.js', [...HOST, '--bootstrap', bootstrapAddr, '--name', 'keyed', '--key-file', keyFile])
    await first.waitForLine(/^ready:/)
    const second = start('node.js', [...HOST, '--bootstrap', bootstrapAddr, '--name', 'keyed-again', '--key-file', keyFile])
    const { code } = await second.exited
    assert.equal(code, 1)
    assert.match(second.errors.join('\n'), /another process with the key of 12D3Koo\w+ is already running/)
    assert.equal((await first.stop('SIGTERM')).code, 0)
    rmSync(dirname(keyFile), { recursive: true, force: true })
  })

  it('leaves gracefully on SIGTERM: the others show the leave at once', async () => {
    const { code, ms } = await nodes[2].stop('SIGTERM', 10_000)
    assert.equal(code, 0)
    assert.ok(nodes[2].lines.includes('stopped'))
    console.log(`# left and stopped in ${ms} ms`)
    await Promise.all(nodes.slice(0, 2).map(async node => node.waitForLine(/^\[leave\] cli-3 left$/, 5_000)))
  })

  it('stops every process when the operator types /shutdown into the bootstrap', async () => {
    bootstrap.child.stdin.write('/shutdown maintenance\n')
    for (const cli of [...nodes.slice(0, 2), bootstrap]) {
      const { code } = await cli.exited
      assert.equal(code, 0)
      assert.ok(cli.lines.includes('stopped'))
    }
    for (const node of nodes.slice(0, 2)) {
      assert.ok(node.lines.some(line => /^network shutdown ordered by 12D3Koo\w+: maintenance$/.test(line)), node.lines.join('\n'))
    }
  })
})

describe('bad command lines', () => {
  const cases: Array<[string, string, string[], RegExp]> = [
    ['an unknown flag', 'node.js', ['--bogus'], /Unknown option '--bogus'/],
    ['no bootstrap', 'node.js', [], /--bootstrap is required/],
    ['a bad multiaddr', 'node.js', ['--bootstrap', 'not-a-multiaddr'], /not a valid multiaddr/],
    ['a bad port', 'bootstrap.js', ['--port', '99999'], /--port must be/],
    ['a bad HTTP port', 'bootstrap.js', ['--http-port', 'http'], /--http-port must be/],
    ['a bad trusted network', 'bootstrap.js', ['--trusted-net', '10.0.0.0/33'], /--trusted-net 10\.0\.0\.0\/33 is not an IP network/],
    ['a token too short in P2P_HTTP_TOKEN, named by the variable', 'bootstrap.js', ['--http-port', '0'], /^error: P2P_HTTP_TOKEN \(from the environment\) must be 8-256/]
  ]
  for (const [what, script, args, message] of cases) {
    it(`exits 2 with one line for ${what}`, async () => {
      const cli = start(script, args, what.includes('P2P_HTTP_TOKEN') ? { env: { P2P_HTTP_TOKEN: 's3cret' } } : undefined)
      const { code } = await cli.exited
      assert.equal(code, 2)
      assert.equal(cli.errors.length, 1, cli.errors.join('\n'))
      assert.match(cli.errors[0], message)
    })
  }

  it('prints --help with every flag and its default', async () => {
    const cli = start('node.js', ['--help'])
    assert.equal((await cli.exited).code, 0)
    const help = cli.lines.join('\n')
    for (const flag of ['--bootstrap', '--name', '--port', '--host', '--key-file', '--log-level', '--announce', '--operator', '--trusted-net', '--http-port', '--http-host', '--http-token']) {
      assert.ok(help.includes(flag), `--help mentions ${flag}`)
      if (flag !== '--help') assert.ok(help.includes(`[P2P_${flag.slice(2).toUpperCase().replace(/-/g, '_')}`), `--help names ${flag}'s variable`)
    }
  })
})

describe('the HTTP API from the command line', () => {
  it('comes up from environment variables, and warns when it listens beyond loopback without a token', async () => {
    const cli = start('bootstrap.js', [...HOST, '--port', '0'], { env: { P2P_HTTP_PORT: '0', P2P_HTTP_HOST: '0.0.0.0' } })
    const [, port] = await cli.waitForLine(/^HTTP API: http:\/\/0\.0\.0\.0:(\d+) /)
    await cli.waitForLine(/SecurityWarning: the HTTP API listens on 0\.0\.0\.0 without a token/)
    const root: any = await (await fetch(`http://127.0.0.1:${port}/`)).json()
    assert.equal(root.message, 'Bootstrap node is running!')
    // a message recorded through the seed's endpoint prints as such
    const posted = await fetch(`http://127.0.0.1:${port}/message`, { method: 'POST', body: JSON.stringify({ sender: 'bootstrap', msg: 'noted' }) })
    assert.equal(posted.status, 200)
    await cli.waitForLine(/^\[http\] bootstrap: noted$/)
    cli.child.kill('SIGTERM')
    assert.equal((await cli.exited).code, 0)
  })

  it('does not warn with a token, and asks every request for it', async () => {
    const cli = start('bootstrap.js', [...HOST, '--port', '0', '--http-port', '0', '--http-host', '0.0.0.0'], { env: { P2P_HTTP_TOKEN: 'secret-token' } })
    const [, port] = await cli.waitForLine(/^HTTP API: http:\/\/0\.0\.0\.0:(\d+) /)
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 401)
    cli.child.kill('SIGTERM')
    assert.equal((await cli.exited).code, 0)
    assert.ok(!cli.errors.some(line => line.includes('SecurityWarning')), cli.errors.join('\n'))
  })
})

describe('a node whose bootstrap is not up yet', () => {
  it('says so within seconds, keeps trying, says when it gets through, and only then is ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2p-node-'))
    try {
      // the bootstrap's address, known before it runs: a key file kept from an earlier start
      const first = start('bootstrap.js', [...HOST, '--port', '0', '--key-file', join(dir, 'boot.key')])
      const [, address] = await first.waitForLine(/--bootstrap (\S+)/)
      assert.equal((await first.stop('SIGTERM')).code, 0)
      const node = start('node.js', [...HOST, '--bootstrap', address, '--name', 'early', '--http-port', '0'])
      const [, url] = await node.waitForLine(/^HTTP API: (\S+)/)
      const started = Date.now()
      await node.waitForLine(/^\[joining\] bootstrap \/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo\w+: .*ECONNREFUSED.*; trying again$/, 10_000)
      console.log(`# said the bootstrap was unreachable ${Date.now() - started} ms after its HTTP API was up`)
      const joining: any = await (await fetch(`${url}/status`)).json()
      assert.equal(joining.state, 'joining')
      assert.equal(((await (await fetch(`${url}/health`)).json()) as any).ready, false)

      const again = start('bootstrap.js', [...HOST, '--port', address.split('/')[4], '--key-file', join(dir, 'boot.key')])
      await node.waitForLine(/^\[joining\] reached bootstrap 12D3Koo\w+: registered$/, 30_000)
      await node.waitForLine(/^ready: joined the network \(size 2\)$/, 30_000)
      const joined: any = await (await fetch(`${url}/status`)).json()
      assert.deepEqual([joined.state, joined.networkSize], ['joined', 2])
      assert.equal((await node.stop('SIGTERM')).code, 0)
      assert.equal((await again.stop('SIGTERM')).code, 0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('an old Node.js', () => {
  // the machine's own node, outside this package's node_modules (Node 20 on these machines)
  const systemNode = (() => {
    try {
      const path = execFileSync('sh', ['-c', 'PATH=$(echo "$PATH" | tr ":" "\\n" | grep -v node_modules | paste -sd:) command -v node'], { encoding: 'utf8' }).trim()
      const major = Number(execFileSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim())
      return major < 22 ? path : undefined
    } catch {
      return undefined
    }
  })()

  it('makes dist/node.js exit at once with one line saying what to do', { skip: systemNode == null ? 'no Node.js older than 22 on this machine' : false }, async () => {
    const cli = start('node.js', ['--bootstrap', '/ip4/127.0.0.1/tcp/1'], { node: systemNode })
    const { code } = await cli.exited
    assert.equal(code, 1)
    assert.equal(cli.errors.length, 1)
    assert.match(cli.errors[0], /needs Node\.js 22 or newer.*npm start/)
  })

  it('makes createNode() reject with UnsupportedRuntimeError and the same sentence', { skip: systemNode == null ? 'no Node.js older than 22 on this machine' : false }, () => {
    const script = `import('${DIST}index.js').then(m => m.createNode()).then(() => console.log('started'), err => console.log(err.name, err.message))`
    const out = execFileSync(systemNode!, ['-e', script], { encoding: 'utf8', timeout: 30_000 }).trim()
    assert.match(out, /^UnsupportedRuntimeError p2p-node needs Node\.js 22 or newer.*npm start/)
  })

  // a user's shell: the machine's PATH, without this package's node_modules/.bin that npm scripts put first
  const userPath = (process.env.PATH ?? '').split(':').filter(dir => !dir.includes('node_modules')).join(':')
  const hasNpx = spawnSync('sh', ['-c', 'command -v npx'], { env: { ...process.env, PATH: userPath } }).status === 0

  it('runs the node command the bootstrap prints, pasted as it is into such a shell', { skip: systemNode == null || !hasNpx ? 'no Node.js older than 22, or no npx, on this machine' : false }, async () => {
    const bootstrap = start('bootstrap.js', [...HOST, '--port', '0'])
    const [, printed] = await bootstrap.waitForLine(/^ {2}(npx p2p-node --bootstrap \/ip4\/127\.0\.0\.1\/\S+)$/)
    // --host keeps the pasted node's traffic on loopback; its own process group, so that npx and node stop together
    const pasted = spawn('sh', ['-c', `${printed} --host 127.0.0.1 --name pasted`], { cwd: ROOT, env: { ...process.env, PATH: userPath }, detached: true })
    const output: string[] = []
    for (const stream of [pasted.stdout, pasted.stderr]) createInterface({ input: stream }).on('line', line => { output.push(line) })
    try {
      await waitFor(() => output.some(line => line.startsWith('ready:')) || pasted.exitCode != null, 'the pasted node to be ready', 30_000)
      assert.ok(output.some(line => line.startsWith('ready:')), output.join('\n'))
      assert.ok(!output.some(line => line.includes('EBADENGINE')), output.join('\n'))
    } finally {
      try { process.kill(-pasted.pid!, 'SIGTERM') } catch {} // the group may be gone already
      await bootstrap.stop('SIGTERM')
    }
  })

  it('is told apart from a supported one by its version', () => {
    assert.match(runtimeProblem('v20.20.2') ?? '', /^p2p-node needs Node\.js 22 or newer, but this is v20\.20\.2: run it through npm/)
    assert.equal(runtimeProblem('v22.0.0'), undefined)
    assert.equal(runtimeProblem('v24.21.0'), undefined)
  })
})
