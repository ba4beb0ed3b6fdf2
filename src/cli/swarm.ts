/**
 * `npm run swarm -- N` / `p2p-swarm N`: the swarm harness's command line. Progress goes to stderr, the report to
 * stdout and to a JSON file. Exit status: 0 when every message was delivered, 1 on any loss or failure, 2 for bad
 * arguments, 130 when interrupted (every process it started is stopped first).
 */
import { randomInt } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { SwarmRun, type SwarmOptions } from '../swarm/coordinator.js'
import { MIN_PAYLOAD_BYTES } from '../swarm/host-protocol.js'
import { PATTERNS, type Pattern } from '../swarm/patterns.js'
import { formatReport } from '../swarm/report.js'
import { messageOf } from '../errors.js'

const HELP = `Usage: p2p-swarm [N] [options]      (npm run swarm -- N [options])
Starts a bootstrap and N nodes (default 30) in separate processes, waits until every node sees every member,
then sends the Flask seed's messaging patterns through the network and reports delivery and latency.
  --patterns LIST     comma-separated, of ${PATTERNS.join(', ')} (default: all)
  --size BYTES        payload of each message, ${MIN_PAYLOAD_BYTES} to 65536 (default: 128)
  --messages K        rounds of each pattern (default: 1)
  --churn SHARE       kill (SIGKILL) this share of the nodes halfway, 0 to 0.5, and run the patterns again
                      among the survivors (default: 0)
  --seed S            seed of the random pairs, publishers and victims (default: random, printed)
  --processes P       processes for the peer nodes (default: one per node up to 32 nodes, else one per core, at least N/250)
  --timing-scale K    every node's heartbeat, ping, peer exchange, request and gossipsub heartbeat intervals
                      times K, for more nodes than the machine can run at the default pace (default: 1 up to
                      200 nodes, then N/50, past 500 N²/25000, at most 100; gossipsub's and peer exchange's
                      at most 5, requests' at most 60)
  --settle MS         how long deliveries may take after a pattern's last send (default: 15000, times the
                      timing scale up to 5)
  --converge-timeout MS   how long views may take to converge once every node has joined (default: 60000 + 300 per node)
  --out FILE          the JSON report (default: swarm-result.json)
  --help              show this help
Exit status: 0 every message delivered, 1 any loss or failure, 2 bad arguments, 130 interrupted.`

class UsageError extends Error {}

function integer (name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value == null) return fallback
  const parsed = Number(value)
  if (!/^\d+$/.test(value) || parsed < min || parsed > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, not "${value}"`)
  return parsed
}

export function parseSwarmArgs (argv: string[]): (SwarmOptions & { out: string }) | 'help' {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        patterns: { type: 'string' },
        size: { type: 'string' },
        messages: { type: 'string' },
        churn: { type: 'string' },
        seed: { type: 'string' },
        processes: { type: 'string' },
        settle: { type: 'string' },
        'timing-scale': { type: 'string' },
        'converge-timeout': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean' }
      }
    })
  } catch (err) {
    throw new UsageError(messageOf(err).split('\n')[0])
  }
  const { values, positionals } = parsed
  if (values.help === true) return 'help'
  if (positionals.length > 1) throw new UsageError(`one node count expected, not ${positionals.join(' ')}`)
  const nodes = integer('N', positionals[0], 30, 2, 5000)
  const patterns = (values.patterns ?? PATTERNS.join(',')).split(',').map(p => p.trim())
  const unknown = patterns.filter(p => !(PATTERNS as readonly string[]).includes(p))
  if (unknown.length > 0 || patterns.length === 0) throw new UsageError(`unknown pattern "${unknown.join(',')}": choose from ${PATTERNS.join(', ')}`)
  const churn = values.churn == null ? 0 : Number(values.churn)
  if (values.churn != null && (!/^\d*\.?\d+$/.test(values.churn) || churn > 0.5)) throw new UsageError(`--churn must be a share from 0 to 0.5, not "${values.churn}"`)
  if (churn > 0 && Math.round(churn * nodes) === 0) throw new UsageError(`--churn ${churn} of ${nodes} nodes kills none`)
  if (churn > 0 && nodes - Math.round(churn * nodes) < 2) throw new UsageError(`--churn ${churn} leaves fewer than 2 of ${nodes} nodes`)
  return {
    nodes,
    patterns: [...new Set(patterns)] as Pattern[],
    messageBytes: integer('--size', values.size, 128, MIN_PAYLOAD_BYTES, 65536),
    rounds: integer('--messages', values.messages, 1, 1, 1000),
    churn,
    seed: integer('--seed', values.seed, randomInt(2 ** 31), 0, 2 ** 32 - 1),
    processes: values.processes == null ? undefined : integer('--processes', values.processes, 1, 1, nodes),
    timingScale: values['timing-scale'] == null ? undefined : integer('--timing-scale', values['timing-scale'], 1, 1, 100),
    settleTimeout: values.settle == null ? undefined : integer('--settle', values.settle, 0, 100, 600_000),
    convergeTimeout: values['converge-timeout'] == null ? undefined : integer('--converge-timeout', values['converge-timeout'], 0, 1000, 3_600_000),
    out: values.out ?? 'swarm-result.json'
  }
}

export async function runSwarmCli (argv: string[]): Promise<number> {
  let options
  try {
    options = parseSwarmArgs(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`error: ${messageOf(err)}\n\n${HELP}\n`)
    return 2
  }
  if (options === 'help') {
    process.stdout.write(`${HELP}\n`)
    return 0
  }
  const controller = new AbortController()
  const onSignal = (): void => {
    process.stderr.write('\ninterrupted: stopping every process\n')
    controller.abort()
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const tty = process.stderr.isTTY
  let lastLine = 0
  const progress = (line: string, done: boolean): void => {
    if (tty) {
      process.stderr.write(`\r\x1b[K${line}${done ? '\n' : ''}`)
    } else if (done || Date.now() - lastLine > 5000) {
      // without a terminal, a line every few seconds, not one per poll
      process.stderr.write(`${line}\n`)
      lastLine = Date.now()
    }
  }
  process.stderr.write(`seed ${options.seed}\n`)
  const report = await new SwarmRun({ ...options, signal: controller.signal, progress }).run()
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  process.stdout.write(`\n${formatReport(report)}\n`)
  try {
    await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`)
    process.stdout.write(`report written to ${options.out}\n`)
  } catch (err) {
    process.stderr.write(`error: writing ${options.out} failed: ${messageOf(err)}\n`)
    return 1
  }
  if (controller.signal.aborted) return 130
  return report.ok ? 0 : 1
}
