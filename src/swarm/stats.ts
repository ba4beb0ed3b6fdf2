/** Order statistics of measured values: what every table and benchmark reports. */

export interface LatencySummary {
  p50: number
  p95: number
  max: number
}

/** The `p`-th percentile (0-100) of `sorted` (ascending), nearest rank; NaN for none. */
export function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return NaN
  }
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

export function median (values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50)
}

export function summarize (values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b)
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.length === 0 ? NaN : sorted[sorted.length - 1] }
}
