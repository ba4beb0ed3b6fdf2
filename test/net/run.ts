/**
 * `npm run test:net`: the reliability suite on a network of namespaces, one per host (see netns.ts).
 *   --nodes N      peer nodes (default 20), besides two bootstraps
 *   --only a,b     run only the scenarios whose names start so (e.g. --only churn,restart)
 *   --quick        partitions of 10 s and 30 s instead of 20 s and 90 s
 *   --seed S       repeat a run's choice of senders and victims
 *   --out PATH     the JSON figures (default test-results/net.json)
 * This process stays in the machine's own namespace and owns the network: it builds it, runs the driver inside
 * the controller namespace, and removes every namespace (with the processes, veths and iptables rules in them)
 * however the driver ends: success, failure, crash, or Ctrl-C. Not root, or no namespaces: one line, exit 0.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CONTROLLER, createNetwork, destroyNetwork, hostPlan, ourNamespaces, unsupportedReason } from './netns.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** After Ctrl-C the driver gets this long to stop its nodes before it is killed with them. */
const STOP_GRACE = 20_000

let values
try {
  ({ values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '20' },
      only: { type: 'string' },
      seed: { type: 'string' },
      quick: { type: 'boolean' },
      out: { type: 'string', default: join(ROOT, 'test-results', 'net.json') }
    }
  }))
  if (!/^\d+$/.test(values.nodes)) throw new Error(`--nodes must be a whole number, got "${values.nodes}"`)
} catch (err: any) {
  process.stderr.write(`net: ${err.message.split('\n')[0]}\n`)
  process.exit(2)
}

const reason = unsupportedReason()
if (reason != null) {
  process.stdout.write(`net: skipped: ${reason}\n`)
  process.exit(0)
}

// one run at a time: the namespaces have fixed names, and a second run would tear down the first one's network
const LOCK = join(tmpdir(), 'p2p-node-net.pid')
const holder = existsSync(LOCK) ? Number(readFileSync(LOCK, 'utf8')) : 0
if (holder > 0 && holder !== process.pid && isRunning(holder)) {
  process.stderr.write(`net: another run of this suite is in progress (pid ${holder}); wait for it to end\n`)
  process.exit(1)
}
writeFileSync(LOCK, String(process.pid))
process.on('exit', () => { rmSync(LOCK, { force: true }) })

function isRunning (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const leftovers = destroyNetwork()
if (leftovers.namespaces > 0) {
  process.stdout.write(`net: removed ${leftovers.namespaces} namespaces left by an earlier run\n`)
}
rmSync(values.out, { force: true }) // a crashed driver must not leave an old result that reads as a pass

let interrupted = false
let code: number | null = null
let driver: ReturnType<typeof spawn> | undefined
// registered before anything is built: Ctrl-C at any point still ends in the clean-up below
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true
    // a terminal's Ctrl-C reaches the driver too; a `kill` of this process only reaches us, so pass it on
    driver?.kill(signal)
    setTimeout(() => { driver?.kill('SIGKILL') }, STOP_GRACE).unref()
  })
}
try {
  const plan = hostPlan(Number(values.nodes))
  createNetwork([CONTROLLER, ...plan.bootstraps, ...plan.peers, ...plan.spare, plan.site, plan.far])
  if (interrupted) throw new Error('interrupted')
  driver = spawn('ip', ['netns', 'exec', CONTROLLER.ns, process.execPath, fileURLToPath(new URL('driver.ts', import.meta.url)),
    ...process.argv.slice(2).filter(arg => !arg.startsWith('--out')), '--out', values.out], { stdio: 'inherit', cwd: ROOT })
  const child = driver
  code = await new Promise<number | null>(resolve => { child.once('exit', (status) => { resolve(status) }) })
} catch (err: any) {
  process.stderr.write(`net: ${err.message}\n`)
} finally {
  const cleaned = destroyNetwork()
  const left = ourNamespaces()
  process.stdout.write(`net: cleaned up: ${cleaned.namespaces} namespaces removed, ${cleaned.killed} leftover processes killed` +
    `${left.length > 0 ? `; STILL THERE: ${left.join(', ')}` : ''}\n`)
  if (left.length > 0) code = 1
}

let passed = 0
let failed = 1
if (existsSync(values.out)) {
  ({ passed, failed } = JSON.parse(readFileSync(values.out, 'utf8')))
} else {
  process.stdout.write('net: the driver wrote no results\n')
}
process.stdout.write(`net: ${passed} passed, ${failed} failed\n`)
process.exit(interrupted ? 130 : code === 0 && failed === 0 ? 0 : 1)
