import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { CliProcess, waitFor } from '../helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'p2p-swarm-'))
const running: CliProcess[] = []
after(() => {
  for (const cli of running) cli.kill()
  rmSync(dir, { recursive: true, force: true })
})

function swarm (args: string[]): CliProcess {
  const cli = new CliProcess('swarm.js', args)
  running.push(cli)
  return cli
}

/** Host processes the harness started (its children), by pid. */
function children (pid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
  } catch {
    return [] // ps exits 1 when there are none
  }
}

/** Whether `pid` still runs (a zombie waiting to be reaped does not). */
function isRunning (pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

function readReport (file: string): any {
  return JSON.parse(readFileSync(file, 'utf8'))
}

describe('the swarm harness', () => {
  it('runs the four patterns over 12 node processes, every message delivered, and leaves no process behind', async () => {
    const out = join(dir, 'steady.json')
    const cli = swarm(['12', '--messages', '2', '--seed', '42', '--out', out])
    const pid = cli.child.pid!
    await cli.waitForLine(/^started 13 processes/)
    const hosts = children(pid)
    assert.equal(hosts.length, 13, 'a process for the bootstrap and each node')
    const { code } = await cli.exited
    assert.equal(code, 0, cli.errors.join('\n'))
    const report = readReport(out)
    assert.equal(report.ok, true)
    assert.equal(report.seed, 42)
    assert.deepEqual(report.results.map((r: any) => r.pattern), ['chain', 'broadcast', 'random', 'group'])
    const expected = { chain: 2 * 11, broadcast: 2 * 11, random: 2 * 12, group: 2 * (20 + 20 + 2) }
    for (const result of report.results) {
      assert.equal(result.expected, expected[result.pattern as keyof typeof expected], result.pattern)
      assert.equal(result.delivered, result.expected, result.pattern)
      assert.equal(result.failed, 0)
      assert.equal(result.duplicates, 0)
      assert.deepEqual(result.refused, {}, result.pattern)
      assert.ok(result.latencyMs.p50 > 0 && result.latencyMs.p50 <= result.latencyMs.p95 && result.latencyMs.p95 <= result.latencyMs.max)
    }
    for (const pattern of ['chain', 'broadcast', 'random', 'group']) {
      assert.ok(cli.lines.some(line => new RegExp(`^${pattern}\\s.*\\s100%\\s`).test(line)), `a table row for ${pattern}`)
    }
    assert.ok(cli.lines.includes('every message was delivered'))
    await waitFor(() => hosts.every(host => !isRunning(host)), 'every host process gone', 5_000)
  })

  it('kills a share of the nodes halfway and keeps delivering among the survivors', async () => {
    const out = join(dir, 'churn.json')
    const cli = swarm(['10', '--churn', '0.3', '--processes', '4', '--seed', '3', '--out', out])
    const { code } = await cli.exited
    assert.equal(code, 0, [...cli.lines, ...cli.errors].join('\n'))
    const report = readReport(out)
    assert.equal(report.killed.length, 3)
    assert.ok(report.timingsMs.deathsNoticed > 0, 'every survivor noticed the deaths')
    const after = report.results.filter((r: any) => r.phase === 'after churn')
    assert.equal(after.length, 4)
    for (const result of after) {
      assert.equal(result.delivered, result.expected, result.pattern)
    }
    // only survivors take part: 7 nodes, a chain of 6 messages, broadcasts to the 6 others
    assert.equal(after.find((r: any) => r.pattern === 'chain').expected, 6)
    assert.equal(after.find((r: any) => r.pattern === 'broadcast').expected, 6)
  })

  it('exits 1 and says how much was lost when a node dies behind its back', async () => {
    const out = join(dir, 'loss.json')
    const cli = swarm(['8', '--patterns', 'group', '--messages', '200', '--processes', '3', '--seed', '5', '--settle', '2000', '--out', out])
    await cli.waitForLine(/^converging: 9\/9 nodes see all 9 members/, 60_000)
    // the newest child runs peer nodes (the first one runs the bootstrap): a crash the harness did not plan
    const victim = Math.max(...children(cli.child.pid!))
    process.kill(victim, 'SIGKILL')
    const { code } = await cli.exited
    assert.equal(code, 1)
    const report = readReport(out)
    assert.equal(report.ok, false)
    const [group] = report.results
    assert.ok(group.delivered < group.expected, 'deliveries were lost')
    assert.ok(group.failed > 0, 'sends to and from the dead nodes failed')
    // and why: each reason with its count, in the JSON and under the table
    const reasons = Object.entries(group.errors as Record<string, number>)
    assert.ok(reasons.length > 0 && reasons.every(([error, count]) => error !== '' && count > 0), JSON.stringify(group.errors))
    assert.equal(reasons.reduce((sum, [, count]) => sum + count, 0), group.failed)
    assert.ok(cli.lines.some(line => /^group: \d+ failed: ./.test(line)), cli.lines.join('\n'))
    // and who missed deliveries: peer nodes (1 to 8), listed in the JSON and under the table
    assert.ok(group.missedBy.length > 0 && group.missedBy.every((index: number) => index >= 1 && index <= 8), JSON.stringify(group.missedBy))
    assert.ok(cli.lines.some(line => /^group: missed by nodes? \d+/.test(line)), cli.lines.join('\n'))
    assert.ok(cli.lines.some(line => /^FAILED: \d+ deliveries lost$/.test(line)), cli.lines.join('\n'))
  })

  it('stops every process it started on Ctrl-C, and exits 130', async () => {
    const cli = swarm(['6', '--patterns', 'group', '--messages', '1000', '--processes', '2', '--out', join(dir, 'interrupted.json')])
    await cli.waitForLine(/^converging: 7\/7/, 60_000)
    const hosts = children(cli.child.pid!)
    assert.equal(hosts.length, 3)
    const { code } = await cli.stop('SIGINT', 20_000)
    assert.equal(code, 130)
    assert.ok(cli.errors.some(line => /interrupted: stopping every process/.test(line)))
    await waitFor(() => hosts.every(host => !isRunning(host)), 'every host process gone', 5_000)
  })

  it('refuses bad arguments with a clear message and exit status 2, starting nothing', async () => {
    for (const [args, message] of [
      [['1'], /N must be an integer from 2 to 5000/],
      [['ten'], /N must be an integer/],
      [['10', '--patterns', 'chain,ring'], /unknown pattern "ring"/],
      [['10', '--churn', '0.9'], /--churn must be a share from 0 to 0.5/],
      [['10', '--churn', '0.01'], /kills none/],
      [['10', '--size', '10'], /--size must be an integer from 48 to 65536/],
      [['10', '--bogus'], /Unknown option '--bogus'/]
    ] as const) {
      const cli = swarm([...args])
      const { code } = await cli.exited
      assert.equal(code, 2, args.join(' '))
      assert.match(cli.errors.join('\n'), message)
      assert.match(cli.errors.join('\n'), /Usage: p2p-swarm/)
    }
  })
})
