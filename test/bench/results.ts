/** What every benchmark reports: its runs beside the raw baseline's, their medians, and the ratio. */
import { median } from '../../dist/swarm/stats.js'

export interface Bench {
  /** Times each measurement is repeated. */
  repeats: number
  /** Broadcasts per network size. */
  broadcasts: number
  /**
   * How long a network rests after it converged before its broadcast latency is measured (ms): the catch-ups, peer
   * exchanges and first pings that follow the last joins are over by then (100 nodes used 0.6-0.9 of a core when
   * they converged, 0.4-0.5 some 15 s later; 2 s samples vary by about 20%, too much to tell when the fall ends).
   */
  restMs: number
  progress: (line: string, done: boolean) => void
}

export interface Result {
  name: string
  unit: string
  better: 'lower' | 'higher'
  /** What is measured, and what the baseline does. */
  what: string
  baseline: { runs: number[], median: number }
  ours: { runs: number[], median: number }
  /** ours / baseline, of the medians. */
  ratio: number
  extra?: Record<string, number>
}

/** Runs of one benchmark, ours and the baseline's, taken in turns (baseline, ours, baseline). */
export class Sandwich {
  readonly name: string
  readonly unit: string
  readonly better: 'lower' | 'higher'
  readonly what: string
  readonly baseline: number[] = []
  readonly ours: number[] = []
  extra?: Record<string, number>

  constructor (name: string, unit: string, better: 'lower' | 'higher', what: string) {
    this.name = name
    this.unit = unit
    this.better = better
    this.what = what
  }

  result (): Result {
    // a run that did not finish (NaN) counts as missing, not as fast
    const finite = (runs: number[]): number[] => runs.filter(Number.isFinite)
    const baseline = median(finite(this.baseline))
    const ours = median(finite(this.ours))
    const missing = this.ours.length - finite(this.ours).length
    return {
      name: this.name,
      unit: this.unit,
      better: this.better,
      what: this.what,
      baseline: { runs: this.baseline, median: baseline },
      ours: { runs: this.ours, median: ours },
      ratio: ours / baseline,
      ...(this.extra != null || missing > 0 ? { extra: { ...this.extra, ...(missing > 0 ? { unfinishedRuns: missing } : {}) } } : {})
    }
  }
}
