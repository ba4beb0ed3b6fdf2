#!/usr/bin/env node
/**
 * `npm start`: a local network of one bootstrap and 5 nodes, each a real process on 127.0.0.1. Prints each
 * node's name and address and what to try next; lines typed here go to node-1's console. Ctrl-C (or SIGTERM)
 * stops every process gracefully; a second one kills them.
 */
import { assertSupportedRuntime } from '../runtime-check.js'
import { messageOf } from '../errors.js'

assertSupportedRuntime()

const { spawn } = await import('node:child_process')
const { mkdirSync } = await import('node:fs')
const { createInterface } = await import('node:readline')
const { fileURLToPath } = await import('node:url')
const { parseArgs } = await import('node:util')

type Child = import('node:child_process').ChildProcess

const HELP = `Usage: npm start [-- --nodes N] [-- --port PORT] [-- --http-port PORT]
  --nodes N          peer nodes to start besides the bootstrap (default: 5, at most 50)
  --port PORT        the bootstrap's port (default: 4001; 0: any free port)
  --http-port PORT   the bootstrap's HTTP API port; node-i gets PORT+i, as in the Flask seed (default: 5000; 0: any free ports)
  --help             show this help`
/** How long the processes get to stop gracefully before they are killed (ms). */
const STOP_DEADLINE = 10_000
const STARTUP_DEADLINE = 30_000

let options
try {
  options = parseArgs({ options: { nodes: { type: 'string', default: '5' }, port: { type: 'string', default: '4001' }, 'http-port': { type: 'string', default: '5000' }, help: { type: 'boolean' } } }).values
} catch (err) {
  process.stderr.write(`error: ${messageOf(err).split('\n')[0]}\n${HELP}\n`)
  process.exit(2)
}
if (options.help === true) {
  process.stdout.write(`${HELP}\n`)
  process.exit(0)
}
const count = Number(options.nodes)
const httpBase = Number(options['http-port'])
const isPort = (value: string, max = 65535): boolean => /^\d+$/.test(value) && Number(value) <= max
if (!Number.isInteger(count) || count < 1 || count > 50 || !isPort(options.port) || !isPort(options['http-port'], 65535 - count)) {
  process.stderr.write(`error: --nodes must be 1 to 50, --port 0 to 65535 and --http-port 0 to ${65535 - count}\n${HELP}\n`)
  process.exit(2)
}
/** node i's HTTP port: the bootstrap's plus i, or any free one. */
const httpPort = (i: number): string => String(httpBase === 0 ? 0 : httpBase + i)

const dist = fileURLToPath(new URL('..', import.meta.url))
const stateDir = '.p2p-node'
mkdirSync(stateDir, { recursive: true, mode: 0o700 })
const children = new Map<string, Child>()
/** Each process's HTTP API, as it printed it. */
const httpUrls = new Map<string, string>()
let stopping = false

/** Starts one CLI process; its output is printed with its name in front. Resolves with the first line matching `waitFor`. */
async function launch (name: string, script: string, args: string[], waitFor: RegExp): Promise<RegExpMatchArray> {
  // its own process group: a Ctrl-C at the terminal reaches this launcher only, which stops the children once
  const child = spawn(process.execPath, [`${dist}${script}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
  children.set(name, child)
  const prefix = `[${name}]`.padEnd(12)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${name} did not start within ${STARTUP_DEADLINE / 1000} s`)) }, STARTUP_DEADLINE)
    for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
      createInterface({ input: stream! }).on('line', (line) => {
        out.write(`${prefix} ${line}\n`)
        const http = line.match(/^HTTP API: (\S+)/)
        if (http != null) httpUrls.set(name, http[1])
        const match = line.match(waitFor)
        if (match != null) {
          clearTimeout(timer)
          resolve(match)
        }
      })
    }
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      children.delete(name)
      if (!stopping) {
        process.stderr.write(`${prefix} exited (${signal ?? `code ${code}`})\n`)
      }
      reject(new Error(`${name} exited before it was ready`))
    })
  })
}

async function stopAll (): Promise<void> {
  stopping = true
  const exited = [...children.values()].map(async child => new Promise<void>(resolve => {
    if (child.exitCode != null || child.signalCode != null) {
      resolve()
      return
    }
    child.once('exit', () => { resolve() })
    child.kill('SIGTERM')
  }))
  const timer = setTimeout(() => { for (const child of children.values()) child.kill('SIGKILL') }, STOP_DEADLINE)
  await Promise.all(exited)
  clearTimeout(timer)
}

let signals = 0
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (++signals > 1) {
      for (const child of children.values()) child.kill('SIGKILL')
      process.exit(130)
    }
    process.stdout.write('\nstopping the local network...\n')
    void stopAll().then(() => {
      process.stdout.write('all nodes stopped\n')
      process.exit(0)
    })
  })
}
process.on('exit', () => { for (const child of children.values()) child.kill('SIGKILL') })

try {
  const [, bootstrapAddr] = await launch('bootstrap', 'bootstrap.js',
    ['--host', '127.0.0.1', '--port', options.port, '--key-file', `${stateDir}/bootstrap.key`, '--http-port', httpPort(0)], /--bootstrap (\S+)/)
  const names = Array.from({ length: count }, (_, i) => `node-${i + 1}`)
  const bootstrapHttp = httpUrls.get('bootstrap')
  const addresses = await Promise.all(names.map(async (name, i) => {
    const ready = launch(name, 'node.js', ['--host', '127.0.0.1', '--port', '0', '--name', name, '--bootstrap', bootstrapAddr, '--http-port', httpPort(i + 1)], /^ready:/)
    const [address] = await Promise.all([
      new Promise<string>(resolve => {
        createInterface({ input: children.get(name)!.stdout! }).on('line', line => {
          if (/^\s+\/ip/.test(line)) resolve(line.trim())
        })
      }),
      ready
    ])
    return address
  }))
  const width = Math.max(...names.map(name => name.length), 'bootstrap'.length)
  process.stdout.write(`
The local network is up: a bootstrap and ${count} nodes, each a real process.
  ${'bootstrap'.padEnd(width)}  ${bootstrapHttp}  ${bootstrapAddr}
${names.map((name, i) => `  ${name.padEnd(width)}  ${httpUrls.get(name)}  ${addresses[i]}`).join('\n')}

Try:
  curl ${httpUrls.get('node-1')}/                      the Flask seed's status of node-1
  curl -d '{"msg":"hi"}' ${httpUrls.get('node-1')}/broadcast   node-1 broadcasts
  open ${bootstrapHttp}/ui in a browser          the network, live
  type a line here            node-1 broadcasts it to every node
  /msg node-2 hello           node-1 sends it to node-2 directly
  /peers, /status node-3      what node-1 knows
  in another terminal:        npx p2p-node --bootstrap ${bootstrapAddr} --name you
Ctrl-C stops every node.
`)
  const console1 = children.get('node-1')!.stdin!
  process.stdin.on('data', chunk => { console1.write(chunk) })
} catch (err) {
  process.stderr.write(`error: ${messageOf(err)}\n`)
  await stopAll()
  process.exit(1)
}
