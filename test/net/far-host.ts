/**
 * What another host does to a node, for the remote-limits scenario; run inside that host's namespace.
 *   far-host.ts flood --to IP:PORT [--count 40] [--window 3000]
 *     opens `count` TCP connections at once and prints, as JSON, how many the node refused (closed, or never
 *     accepted) within `window` ms. A connection it accepted waits for a handshake that never comes, so it stays open.
 *   far-host.ts nodes --bootstrap MULTIADDR [--count 20] [--pace 300]
 *     starts `count` nodes in this process, one every `pace` ms (under libp2p's 5 new connections a second per
 *     host), all on this host's one address; prints "started N" after each, and stops them all on SIGTERM.
 */
import { connect, type Socket } from 'node:net'
import { parseArgs } from 'node:util'
import { createNode } from '../../dist/index.js'
import { sleep } from './cluster.ts'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    to: { type: 'string' },
    count: { type: 'string' },
    window: { type: 'string', default: '3000' },
    bootstrap: { type: 'string' },
    pace: { type: 'string', default: '300' }
  }
})

async function flood (to: string, count: number, window: number): Promise<void> {
  const [host, port] = [to.slice(0, to.lastIndexOf(':')), Number(to.slice(to.lastIndexOf(':') + 1))]
  const sockets: Socket[] = []
  let refused = 0
  for (let i = 0; i < count; i++) {
    const socket = connect({ host, port })
    socket.on('error', () => {}) // a reset is counted by its close
    socket.once('close', () => { refused++ })
    sockets.push(socket)
  }
  await sleep(window) // an observation window: what the node closes within it
  const result = { opened: count, refused }
  for (const socket of sockets) socket.destroy()
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

async function nodes (bootstrap: string, count: number, pace: number): Promise<void> {
  const started: Array<Awaited<ReturnType<typeof createNode>>> = []
  let stopping = false
  process.once('SIGTERM', () => {
    stopping = true
    Promise.allSettled(started.map(async node => node.stop())).finally(() => process.exit(0))
  })
  for (let i = 1; i <= count && !stopping; i++) {
    started.push(await createNode({ name: `far-${i}`, listen: ['/ip4/0.0.0.0/tcp/0'], bootstrap: [bootstrap] }))
    process.stdout.write(`started ${i}\n`)
    await sleep(pace)
  }
}

const [command] = positionals
if (command === 'flood' && values.to != null) {
  await flood(values.to, Number(values.count ?? 40), Number(values.window))
} else if (command === 'nodes' && values.bootstrap != null) {
  await nodes(values.bootstrap, Number(values.count ?? 20), Number(values.pace))
} else {
  process.stderr.write('usage: far-host.ts flood --to IP:PORT [--count N] | nodes --bootstrap MULTIADDR [--count N]\n')
  process.exit(2)
}
