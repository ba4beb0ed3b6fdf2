/** What each scenario measured and asserted: a table for people, a JSON file for machines. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** A figure; with `required` it is asserted (ok says whether it held), without it is measured only. */
export interface Figure {
  name: string
  value: number | string
  unit?: string
  required?: string
  ok?: boolean
}

export interface ScenarioResult {
  scenario: string
  passed: boolean
  durationMs: number
  figures: Figure[]
  notes: string[]
  error?: string
}

/** Collects a scenario's figures; an assertion that fails marks the scenario failed but lets it measure on. */
export class Recorder {
  readonly figures: Figure[] = []
  readonly notes: string[] = []

  measure (name: string, value: number | string, unit?: string): void {
    this.figures.push({ name, value: round(value), unit })
  }

  check (name: string, value: number | string, required: string, ok: boolean, unit?: string): boolean {
    this.figures.push({ name, value: round(value), unit, required, ok })
    return ok
  }

  note (text: string): void {
    this.notes.push(text)
  }

  get failed (): boolean {
    return this.figures.some(figure => figure.ok === false)
  }
}

function round (value: number | string): number | string {
  return typeof value === 'number' ? (Number.isFinite(value) ? Math.round(value * 1000) / 1000 : String(value)) : value
}

function show (figure: Figure): string {
  if (typeof figure.value === 'number' && figure.unit === '%') return `${(figure.value * 100).toFixed(1)}%`
  if (typeof figure.value === 'number' && figure.unit === 'ms') {
    return figure.value >= 1000 ? `${(figure.value / 1000).toFixed(1)} s` : `${Math.round(figure.value)} ms`
  }
  return String(figure.value) // a number without a unit, or a sentence such as "not within 20 s"
}

export function table (results: ScenarioResult[]): string {
  const rows = [['scenario', 'figure', 'measured', 'required', '']]
  for (const result of results) {
    for (const [i, figure] of result.figures.entries()) {
      rows.push([i === 0 ? result.scenario : '', figure.name, show(figure), figure.required ?? '-', figure.ok == null ? '' : figure.ok ? 'ok' : 'FAIL'])
    }
    if (result.error != null) {
      rows.push([result.figures.length === 0 ? result.scenario : '', 'error', result.error.slice(0, 120), '', 'FAIL'])
    }
  }
  const widths = rows[0].map((_, col) => Math.max(...rows.map(row => row[col].length)))
  return rows.map(row => row.map((cell, col) => cell.padEnd(widths[col])).join('  ').trimEnd()).join('\n')
}

export function writeJson (path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`)
}
