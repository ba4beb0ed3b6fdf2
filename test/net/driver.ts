/**
 * The suite's driver. run.ts starts it inside the controller namespace, after building the network: from here
 * every node's HTTP API is one hop away on the bridge. It starts the nodes, runs the scenarios, prints the table,
 * writes the JSON, and exits 0 only if every scenario passed. run.ts cleans up after it, however it ends.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync, rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Cluster, waitFor } from './cluster.ts'
import { hostPlan } from './netns.ts'
import { Recorder, table, writeJson, type ScenarioResult } from './report.ts'
import { oneHost, remoteLimits } from './same-site.ts'
import { bootstrapFailure, churn, lossyLinks, partitionAndHeal, restart, type Context, type Scenario } from './scenarios.ts'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '20' },
    only: { type: 'string' },
    seed: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' }
  }
})
const nodeCount = Number(values.nodes)
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31))
const partitionSeconds = values.quick ? [10, 30] : [20, 90]
/** A whole network (every peer in the mesh, every view complete) is awaited this long, at start and between scenarios. */
const CONVERGE_TIMEOUT = 90_000
/** Nodes start this many at a time: a burst of 20 Node.js processes loading libp2p would starve 2 cores. */
const START_WAVE = 4

/** mulberry32: a seeded random, so that a run's victims and senders can be repeated with --seed. */
function seededRandom (state: number): () => number {
  return () => {
    state = (state + 0x6D2B79F5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const out = values.out ?? join(ROOT, 'test-results', 'net.json')
const plan = hostPlan(nodeCount)
const dir = join(ROOT, 'test-results', 'net')
rmSync(dir, { recursive: true, force: true })
mkdirSync(dir, { recursive: true })
/** What the suite prints goes to suite.log too, stamped like the nodes' logs, so that the two can be laid together. */
const suiteLog = createWriteStream(join(dir, 'suite.log'))
const log = (line: string): void => {
  process.stdout.write(`${line}\n`)
  suiteLog.write(`${new Date().toISOString()} ${line}\n`)
}
let cluster = new Cluster(dir, randomBytes(24).toString('hex'))
const spareHosts = [...plan.spare]

/** A fresh network: two bootstraps (the second knows the first), then the peers, each given both bootstraps. */
async function startNetwork (): Promise<number> {
  const started = Date.now()
  const b1 = cluster.add('b1', plan.bootstraps[0], 'bootstrap')
  const b2 = cluster.add('b2', plan.bootstraps[1], 'bootstrap')
  await b1.start([])
  await b2.start([b1.multiaddr])
  for (let i = 0; i < plan.peers.length; i += START_WAVE) {
    const wave = plan.peers.slice(i, i + START_WAVE).map((host, j) => cluster.add(`n${String(i + j + 1).padStart(2, '0')}`, host, 'peer'))
    await Promise.all(wave.map(async node => node.start(bootstraps())))
  }
  await waitFor(async () => cluster.healthy(), 'every peer in the mesh and every view whole', CONVERGE_TIMEOUT)
  return Date.now() - started
}

function bootstraps (): string[] {
  return cluster.nodes.filter(node => node.role === 'bootstrap').map(node => node.multiaddr)
}

async function stopAll (): Promise<void> {
  await Promise.all(cluster.running.map(async node => node.kill('SIGKILL').catch(() => {})))
}

const scenarios: Scenario[] = [
  oneHost(plan, dir),
  remoteLimits(plan),
  lossyLinks,
  ...partitionSeconds.map(partitionAndHeal),
  restart,
  bootstrapFailure,
  churn
].filter(scenario => values.only == null || values.only.split(',').some(name => scenario.name.startsWith(name.trim())))

const context: Context = {
  get cluster () { return cluster },
  bootstraps,
  spareHosts,
  random: seededRandom(seed),
  partitionSeconds,
  log
}

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    log(`net: ${signal}: stopping the nodes`)
    stopAll().finally(() => process.exit(130))
  })
}

const results: ScenarioResult[] = []
const suiteStart = Date.now()

/** Runs one scenario and records its result; `prepare` readies what it runs on. */
async function runScenario (scenario: Scenario, prepare: (rec: Recorder) => Promise<void>): Promise<void> {
  const rec = new Recorder()
  const start = Date.now()
  log(`net: ${scenario.name}...`)
  let error: string | undefined
  try {
    await prepare(rec)
    await scenario.run(context, rec)
  } catch (err: any) {
    error = err.message
  }
  if (scenario.standalone !== true) {
    // honest peers banned (a gossipsub score below the graylist threshold) explain lost broadcasts and split views
    const { bans } = await cluster.counters().catch(() => ({ bans: NaN }))
    rec.measure('bans by the live nodes since they started', bans)
  }
  // the machine is shared: how busy it was says how far the timings can be trusted
  rec.measure('load average (1 min) at the end, on 2 cores', loadavg()[0].toFixed(1))
  const result: ScenarioResult = {
    scenario: scenario.name, passed: error == null && !rec.failed, durationMs: Date.now() - start, figures: rec.figures, notes: rec.notes, error
  }
  results.push(result)
  log(`  ${result.passed ? 'passed' : 'FAILED'} in ${(result.durationMs / 1000).toFixed(1)} s${error != null ? `: ${error}` : ''}`)
  for (const note of rec.notes) log(`  note: ${note}`)
}

/** Each scenario on the shared network starts from a whole one; one that a previous scenario broke is rebuilt, and said so. */
async function wholeNetwork (rec: Recorder): Promise<void> {
  const ready = await waitFor(async () => cluster.healthy(), 'a healthy network', 30_000).catch(() => NaN)
  if (Number.isNaN(ready)) {
    rec.note('the network was not whole after the previous scenario: rebuilt from scratch')
    log('  the network was not whole: rebuilding it')
    for (const line of await cluster.notAlive()) log(`    ${line}`)
    await stopAll()
    cluster = new Cluster(dir, cluster.token)
    spareHosts.splice(0, spareHosts.length, ...plan.spare)
    await startNetwork()
  }
}

log(`net: a bootstrap pair and ${nodeCount} nodes, each in its own network namespace; seed ${seed}; logs in ${dir}/`)
try {
  for (const scenario of scenarios.filter(scenario => scenario.standalone === true)) {
    await runScenario(scenario, async () => {})
  }
  const shared = scenarios.filter(scenario => scenario.standalone !== true)
  if (shared.length > 0) {
    const ms = await startNetwork()
    log(`net: network up and whole in ${(ms / 1000).toFixed(1)} s`)
  }
  for (const scenario of shared) {
    await runScenario(scenario, wholeNetwork)
  }
} catch (err: any) {
  results.push({ scenario: 'start-up', passed: false, durationMs: Date.now() - suiteStart, figures: [], notes: [], error: err.message })
  log(`net: the network did not come up: ${err.message}`)
} finally {
  await stopAll()
}

const passed = results.filter(result => result.passed).length
const failed = results.length - passed
writeJson(out, { nodes: nodeCount, seed, partitionSeconds, durationMs: Date.now() - suiteStart, passed, failed, results })
log('')
log(table(results))
log('')
log(`net: figures in ${out}; ${((Date.now() - suiteStart) / 1000).toFixed(0)} s in all`)
// run.ts prints the closing "net: N passed, M failed" once it has cleaned up
process.exit(failed === 0 ? 0 : 1)
