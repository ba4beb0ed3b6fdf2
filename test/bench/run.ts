/**
 * `npm run bench`: every benchmark beside its raw TCP baseline in this same run (baseline, ours, baseline),
 * repeated; medians and the ratio ours/baseline go to the terminal, a JSON file and an SVG chart.
 *   --smoke      tiny sizes, one repeat: proves every benchmark works (CI runs this)
 *   --out DIR    where bench.json and bench.svg go (default: bench-results)
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { renderChart } from './chart.ts'
import { connectAndFirstMessage, directMessages } from './direct-benchmarks.ts'
import { broadcastBurst, joinAndBroadcast, leaveAndCrash } from './network-benchmarks.ts'
import type { Bench, Result } from './results.ts'

const { values } = parseArgs({ options: { smoke: { type: 'boolean' }, out: { type: 'string' } } })
const smoke = values.smoke === true
const out = values.out ?? 'bench-results'
const size = smoke
  ? { sizes: [4], repeats: 1, broadcasts: 3, restMs: 0, direct: 50, trials: 3, burst: [4, 2], leave: 5 }
  : { sizes: [10, 50, 100], repeats: 3, broadcasts: 20, restMs: 15_000, direct: 3000, trials: 20, burst: [50, 10], leave: 50 }

const bench: Bench = {
  repeats: size.repeats,
  broadcasts: size.broadcasts,
  restMs: size.restMs,
  progress: (line, done) => {
    if (done || process.stderr.isTTY) process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}${done ? '\n' : ''}` : `${line}\n`)
  }
}

const format = (n: number): string => !Number.isFinite(n) ? '-' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3)

const started = performance.now()
const results: Result[] = []
/** Benchmarks that failed, with why: the others still run and report. */
const failures: Array<{ benchmark: string, error: string }> = []
for (const [benchmark, run] of [
  ['direct messages', async () => directMessages(bench, size.direct)],
  ['connect and first message', async () => connectAndFirstMessage(bench, size.trials)],
  ['join and broadcast latency', async () => joinAndBroadcast(size.sizes, bench)],
  ['broadcast burst', async () => broadcastBurst(size.burst[0], size.burst[1], bench)],
  ['leave and crash', async () => leaveAndCrash(size.leave, bench)]
] as const) {
  let found: Result[]
  try {
    found = await run()
  } catch (err: any) {
    process.stderr.write(`${benchmark} FAILED: ${err.message}\n`)
    failures.push({ benchmark, error: err.message })
    continue
  }
  results.push(...found)
  for (const result of found) {
    process.stdout.write(`${result.name.padEnd(58)} ours ${format(result.ours.median).padStart(8)}  raw ${format(result.baseline.median).padStart(8)} ${result.unit.padEnd(12)} ratio ${format(result.ratio)}\n`)
  }
}

await mkdir(out, { recursive: true })
const report = {
  smoke,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  durationS: Math.round((performance.now() - started) / 1000),
  results,
  failures
}
await writeFile(join(out, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`)
await writeFile(join(out, 'bench.svg'), renderChart(`p2p-node against raw TCP, ${report.machine.cpus} cores${smoke ? ' (smoke size)' : ''}`, results.map(result => ({
  label: result.name, unit: result.unit, baseline: result.baseline.median, ours: result.ours.median, better: result.better
}))))
process.stdout.write(`\n${results.length} figures in ${report.durationS} s: ${join(out, 'bench.json')}, ${join(out, 'bench.svg')}\n`)
process.exitCode = failures.length === 0 ? 0 : 1
