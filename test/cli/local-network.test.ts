import assert from 'node:assert/strict'
import { after, it } from 'node:test'
import { CliProcess } from '../helpers.ts'

let launcher: CliProcess | undefined
after(() => { launcher?.kill() })

it('npm start\'s local network starts real processes with HTTP APIs, carries a typed line to every node, and stops on Ctrl-C', async () => {
  // --http-port 0: any free ports, where npm start's default is the Flask seed's 5000-5005
  launcher = new CliProcess('cli/local-network.js', ['--port', '0', '--nodes', '3', '--http-port', '0'])
  await launcher.waitForLine(/^The local network is up: a bootstrap and 3 nodes/, 60_000)
  const http = new Map<string, string>()
  for (const name of ['bootstrap', 'node-1', 'node-2', 'node-3']) {
    const [, url] = await launcher.waitForLine(new RegExp(`^  ${name} +(http://127\\.0\\.0\\.1:\\d+) +/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/12D3Koo`))
    http.set(name, url)
  }
  const seed: any = await (await fetch(`${http.get('node-2')}/`)).json()
  assert.equal(seed.message, 'Node node-2 is running!')
  const bootstrap: any = await (await fetch(`${http.get('bootstrap')}/peers`)).json()
  assert.deepEqual(bootstrap.peers.map((peer: any) => peer.friendly_name).sort(), ['node-1', 'node-2', 'node-3'])
  launcher.child.stdin.write('hello, local network\n')
  await launcher.waitForLine(/^\[node-2\] +\[broadcast\] node-1: hello, local network$/)
  await launcher.waitForLine(/^\[node-3\] +\[broadcast\] node-1: hello, local network$/)
  const { code } = await launcher.stop('SIGINT', 15_000)
  assert.equal(code, 0)
  assert.ok(launcher.lines.includes('all nodes stopped'))
  for (const name of ['node-1', 'node-2', 'node-3']) {
    assert.ok(launcher.lines.some(line => new RegExp(`^\\[${name}\\] +stopped$`).test(line)), `${name} stopped gracefully`)
  }
})
