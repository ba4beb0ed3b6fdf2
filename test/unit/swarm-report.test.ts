import assert from 'node:assert/strict'
import { it } from 'node:test'
import { foldReason, type PatternResult, type SwarmReport } from '../../dist/swarm/coordinator.js'
import { formatReport } from '../../dist/swarm/report.js'

it('folds the ids and numbers out of refusal reasons, so that one reason counts once', () => {
  assert.equal(foldReason('direct: sent 61 s ago, outside the 60 s replay window'), 'direct: sent N s ago, outside the N s replay window')
  assert.equal(foldReason('broadcast: a replay of message 0123456789abcdef0123456789abcdef'), 'broadcast: a replay of message ID')
  assert.equal(foldReason('direct: the sender claims the name "node-7" but is registered as "node-12"'),
    'direct: the sender claims the name "node-N" but is registered as "node-N"')
})

it('prints the refusals, failures and missing nodes of a pattern under the table', () => {
  const latencyMs = { p50: 2, p95: 3, max: 3 }
  const group: PatternResult = {
    pattern: 'group',
    phase: 'steady',
    messages: 20,
    failed: 1,
    errors: { 'the stream was closed': 1 },
    expected: 20,
    delivered: 17,
    missedBy: [3, 4],
    late: 1,
    refused: { 'direct: sent N s ago, outside the N s replay window': 2 },
    duplicates: 0,
    ratio: 0.85,
    latencyMs,
    durationMs: 40
  }
  const report: SwarmReport = {
    nodes: 5,
    processes: 5,
    timingScale: 1,
    seed: 1,
    messageBytes: 128,
    rounds: 1,
    churn: 0,
    killed: [],
    timingsMs: { spawn: 1, join: 2, converge: 3, total: 4 },
    results: [group],
    ok: false
  }
  const lines = formatReport(report).split('\n')
  assert.ok(lines.some(line => /^group\s+20\s+1\s+17\s+20\s+85\.00%/.test(line)), lines.join('\n'))
  assert.ok(lines.includes('group: 1 failed: the stream was closed'), lines.join('\n'))
  assert.ok(lines.includes('group: 2 refused by their receivers: direct: sent N s ago, outside the N s replay window'), lines.join('\n'))
  assert.ok(lines.includes('group: missed by nodes 3, 4; 1 of the missed deliveries came later, while the run went on'), lines.join('\n'))
  assert.equal(lines.at(-1), 'FAILED: 3 deliveries lost')
})
