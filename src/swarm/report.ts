/** The swarm report as a person reads it: timings, then a table with a row per pattern (and phase). */
import type { PatternResult, SwarmReport } from './coordinator.js'

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
const millis = (ms: number): string => Number.isNaN(ms) ? '-' : ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`

/** A row's name: its pattern, and its phase unless steady. */
const label = (r: PatternResult): string => r.phase === 'steady' ? r.pattern : `${r.pattern} (${r.phase})`

export function formatReport (report: SwarmReport): string {
  const { timingsMs: t } = report
  const lines = [
    `swarm: a bootstrap and ${report.nodes} nodes in ${report.processes} processes, seed ${report.seed}, ${report.messageBytes} B messages, ${report.rounds} round(s)` +
      (report.timingScale === 1 ? '' : `, timings x${report.timingScale}`),
    `  started ${seconds(t.spawn)}, joined ${seconds(t.join)}, converged ${seconds(t.converge)}, total ${seconds(t.total)}` +
      (report.killed.length > 0 ? `; killed ${report.killed.length} nodes, every survivor noticed in ${t.deathsNoticed == null ? '-' : seconds(t.deathsNoticed)}` : ''),
    ''
  ]
  const header = ['pattern', 'messages', 'failed', 'delivered', 'expected', 'ratio', 'p50', 'p95', 'max']
  const rows = report.results.map(r => [
    label(r),
    String(r.messages),
    String(r.failed),
    String(r.delivered),
    String(r.expected),
    `${(100 * r.ratio).toFixed(r.ratio === 1 ? 0 : 2)}%`,
    millis(r.latencyMs.p50),
    millis(r.latencyMs.p95),
    millis(r.latencyMs.max)
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(row => row[i].length)))
  const format = (row: string[]): string => row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join('  ')
  lines.push(format(header), ...rows.map(format), '')
  for (const r of report.results) {
    for (const [error, count] of Object.entries(r.errors)) {
      lines.push(`${label(r)}: ${count} failed: ${error}`)
    }
    for (const [reason, count] of Object.entries(r.refused)) {
      lines.push(`${label(r)}: ${count} refused by their receivers: ${reason}`)
    }
    if (r.missedBy.length > 0) {
      const nodes = r.missedBy.length === 1 ? 'node' : 'nodes'
      const more = r.missedBy.length > 20 ? `, ... (${r.missedBy.length} nodes in all)` : ''
      const late = r.late > 0 ? `; ${r.late} of the missed deliveries came later, while the run went on` : ''
      lines.push(`${label(r)}: missed by ${nodes} ${r.missedBy.slice(0, 20).join(', ')}${more}${late}`)
    }
  }
  if (report.results.some(r => r.failed > 0 || r.missedBy.length > 0 || Object.keys(r.refused).length > 0)) lines.push('')
  const lost = report.results.reduce((sum, r) => sum + r.expected - r.delivered, 0)
  lines.push(report.error != null
    ? `FAILED: ${report.error}`
    : report.ok ? 'every message was delivered' : `FAILED: ${lost} deliveries lost`)
  return lines.join('\n')
}
