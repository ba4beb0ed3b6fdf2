/**
 * Many node processes on one host, with the CLI's defaults, as a new user starts them: a bootstrap and N nodes
 * (`--http-port` only), on a host that has a non-loopback address, so that nodes dial each other there and not
 * only at 127.0.0.1. It checks that every node reports the exact size, that the Flask seed's four patterns through
 * POST /message are all accepted, that a broadcast and a chain of direct messages arrive, then idles and counts
 * false deaths and bans (every node stays alive, so any `[dead]` line is false).
 * Run inside a namespace host that has such an address (scenarios.ts does it):
 *   ip netns exec NS node test/net/one-host.ts --nodes 30 --idle 120 --out result.json
 * It writes the figures as JSON, stops every process it started, and exits 0 when every check held.
 */
import { networkInterfaces } from 'node:os'
import { parseArgs } from 'node:util'
import { PATTERNS, planRound } from '../../dist/swarm/patterns.js'
import { SeededRandom } from '../../dist/swarm/seeded-random.js'
import { CliProcess } from '../helpers.ts'
import { sleep, waitFor } from './cluster.ts'
import { Recorder, writeJson } from './report.ts'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '30' },
    idle: { type: 'string', default: '120' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' }
  }
})
const N = Number(values.nodes)
const IDLE_MS = Number(values.idle) * 1000
/** The bootstrap's HTTP API; node i serves at HTTP_BASE + i. Loopback of this namespace only. */
const HTTP_BASE = 5300
/** Processes start this many at a time, each wave once the last one listens: as fast as two cores load them. */
const START_WAVE = 4
/** What the issue asks: every node reports the exact size within this of the last start. */
const CONVERGE_LIMIT = 30_000
/** The deadline of the wait itself, longer, so that a slow run says how slow it was. */
const CONVERGE_TIMEOUT = 120_000
const REQUEST_TIMEOUT = 10_000

const rec = new Recorder()
const procs: CliProcess[] = []
const name = (i: number): string => `Node${i}`
const url = (i: number): string => `http://127.0.0.1:${HTTP_BASE + i}`

async function request (i: number, path: string, body?: unknown): Promise<{ status: number, body: any }> {
  const response = await fetch(`${url(i)}${path}`, {
    method: body == null ? 'GET' : 'POST',
    headers: body == null ? {} : { 'content-type': 'application/json' },
    body: body == null ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT)
  })
  return { status: response.status, body: await response.json() }
}

const sizeOf = async (i: number): Promise<number> => (await request(i, '/network').catch(() => undefined))?.body.size.size ?? 0
const linesMatching = (pattern: RegExp): string[] => procs.flatMap(proc => [...proc.lines, ...proc.errors].filter(line => pattern.test(line)))

async function run (): Promise<void> {
  const siteAddress = Object.values(networkInterfaces()).flat().find(info => info != null && !info.internal && info.family === 'IPv4')?.address
  if (siteAddress == null) throw new Error('this host has no non-loopback IPv4 address: run it in a namespace host that has one')
  rec.measure('the host\'s non-loopback address', siteAddress)

  const boot = new CliProcess('bootstrap.js', ['--http-port', String(HTTP_BASE)])
  procs.push(boot)
  // the address a user on another machine would paste: the bootstrap prints it beside the loopback one
  const [, remoteAddr] = await boot.waitForLine(/--bootstrap (\/ip4\/(?!127\.)\S+)/)
  rec.check('the bootstrap prints an address for other machines', remoteAddr.split('/')[2], siteAddress, remoteAddr.split('/')[2] === siteAddress)

  let lastStart = 0
  for (let first = 1; first <= N; first += START_WAVE) {
    const wave: CliProcess[] = []
    for (let i = first; i < first + START_WAVE && i <= N; i++) {
      const proc = new CliProcess('node.js', ['--bootstrap', remoteAddr, '--name', name(i), '--http-port', String(HTTP_BASE + i)])
      procs.push(proc)
      wave.push(proc)
      lastStart = Date.now()
    }
    await Promise.all(wave.map(async proc => proc.waitForLine(/^HTTP API: /, 60_000)))
  }

  const all = Array.from({ length: N }, (_, k) => k + 1)
  const everySizeExact = async (): Promise<boolean> => (await Promise.all([0, ...all].map(sizeOf))).every(size => size === N + 1)
  const converged = await waitFor(everySizeExact, `every node to report size ${N + 1}`, CONVERGE_TIMEOUT, 500)
    .then(() => Date.now() - lastStart, () => NaN)
  rec.check(`every node reports size ${N + 1}, after the last start`, Number.isNaN(converged) ? `not within ${CONVERGE_TIMEOUT / 1000} s` : converged,
    `<= ${CONVERGE_LIMIT / 1000} s`, converged <= CONVERGE_LIMIT, 'ms')
  if (Number.isNaN(converged)) {
    const sizes = await Promise.all(all.map(sizeOf))
    rec.note(`sizes reported: ${sizes.join(' ')}`)
    return
  }

  // the Flask seed's patterns: each message is a POST /message to its receiver, naming its sender
  const random = new SeededRandom(Number(values.seed))
  let sent = 0
  const refused: string[] = []
  for (const pattern of PATTERNS) {
    for (const { from, to } of planRound(pattern, all, random)) {
      for (const receiver of to === 'all' ? all.filter(i => i !== from) : [to]) {
        sent++
        const answer = await request(receiver, '/message', { sender: name(from), msg: `${pattern} ${sent}` }).catch((err: Error) => ({ status: 0, body: err.message }))
        if (answer.status !== 200 || answer.body.status !== 'received') refused.push(`${pattern} ${name(from)} -> ${name(receiver)}: ${JSON.stringify(answer.body)}`)
      }
    }
  }
  rec.check(`the Flask seed's four patterns through POST /message (${sent} messages): accepted`, sent - refused.length, String(sent), refused.length === 0)
  if (refused.length > 0) rec.note(`refused: ${refused.slice(0, 5).join('; ')}`)

  // the same network's own paths: a broadcast to every node, and a chain of direct messages
  await waitFor(async () => (await Promise.all(all.map(async i => (await request(i, '/health')).body.ready))).every(Boolean),
    'every node in the broadcast mesh', 30_000, 500)
  const text = `broadcast from ${name(1)}`
  await request(1, '/broadcast', { msg: text })
  const hasIt = async (i: number): Promise<boolean> => (await request(i, '/messages?limit=1000')).body.messages.some((m: any) => m.text === text)
  const reached = await waitFor(async () => (await Promise.all(all.slice(1).map(hasIt))).every(Boolean), 'the broadcast everywhere', 20_000, 250)
    .then(() => N - 1, async () => (await Promise.all(all.slice(1).map(hasIt))).filter(Boolean).length)
  rec.check('a broadcast reached', reached, String(N - 1), reached === N - 1)
  let delivered = 0
  for (const i of all.slice(0, -1)) {
    const answer = await request(i, '/send', { to: name(i + 1), msg: `direct ${i}` }).catch(() => undefined)
    if (answer?.body.status === 'delivered') delivered++
  }
  rec.check('direct messages along the chain delivered', delivered, String(N - 1), delivered === N - 1)

  // idle: an observation window, not a synchronisation
  await sleep(IDLE_MS)
  const dead = linesMatching(/^\[dead\]/)
  const banned = linesMatching(/^\[banned\]/)
  rec.check(`false deaths (every node stayed alive), start to ${IDLE_MS / 1000} s idle`, dead.length, '0', dead.length === 0)
  rec.check('bans between honest nodes', banned.length, '0', banned.length === 0)
  for (const line of [...dead, ...banned].slice(0, 5)) rec.note(line)
  const sizes = await Promise.all(all.map(sizeOf))
  const wrong = sizes.filter(size => size !== N + 1).length
  rec.check(`nodes reporting a size other than ${N + 1} after the idle`, wrong, '0', wrong === 0)
}

let error: string | undefined
try {
  await run()
} catch (err: any) {
  error = err.message.split('\n')[0]
} finally {
  await Promise.all(procs.map(async proc => proc.stop('SIGTERM', 15_000).catch(() => { proc.kill() })))
}
if (values.out != null) writeJson(values.out, { figures: rec.figures, notes: rec.notes, error })
process.exit(error == null && !rec.failed ? 0 : 1)
