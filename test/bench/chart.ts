/**
 * An SVG chart of benchmark results, with no dependencies: one row per figure, raw TCP (grey) against ours (blue),
 * and the ratio at the right.
 */

export interface ChartRow {
  /** e.g. 'broadcast latency N=100 (median)' */
  label: string
  /** e.g. 'ms', 'msg/s', 'MB' */
  unit: string
  /** The raw TCP figure, if the benchmark has one. */
  baseline?: number
  ours: number
  /** Which direction is better, to phrase the ratio. */
  better: 'lower' | 'higher'
}

const WIDTH = 900
const MARGIN = 20
const TAG_WIDTH = 56
const BAR_X = MARGIN + TAG_WIDTH
/** Room is left after the longest bar for its value, and at the right for the ratio. */
const BAR_MAX = 540
const BAR_HEIGHT = 18
const BAR_GAP = 4
const ROW_HEIGHT = 24 + 2 * BAR_HEIGHT + BAR_GAP + 16
const TOP = 78
const GREY = '#9e9e9e'
const BLUE = '#2f6fdf'
const GOOD = '#1b8a3a'
const BAD = '#c0392b'

export function escapeXml (text: string): string {
  return text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c)
}

/** 3 significant digits, thousands as k, M, G: 12345 -> '12.3k', 0.1234 -> '0.123', 12 -> '12'. */
export function formatNumber (n: number): string {
  if (!Number.isFinite(n)) return 'n/a'
  if (n === 0) return '0'
  const abs = Math.abs(n)
  // Thresholds just under 1000 so that 999.7 becomes '1k', not '1.00e+3'.
  for (const [scale, suffix] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (abs >= scale * 0.9995) return significant(n / scale) + suffix
  }
  return significant(n)
}

function significant (n: number): string {
  // Past 3 digits toPrecision would switch to exponents; whole numbers read better.
  if (Math.abs(n) >= 999.5) return String(Math.round(n))
  const text = n.toPrecision(3)
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text
}

function withUnit (value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a'
  return unit === '' ? formatNumber(value) : `${formatNumber(value)} ${unit}`
}

/** The ratio ours/baseline, and in words whether that is better or worse given which direction is better. */
function ratioOf (row: ChartRow): { text: string, verdict: string, good: boolean } | undefined {
  const { baseline, ours } = row
  if (baseline === undefined || !Number.isFinite(baseline) || !Number.isFinite(ours) || baseline === 0) return undefined
  const ratio = ours / baseline
  const good = row.better === 'lower' ? ratio <= 1 : ratio >= 1
  let verdict = ''
  if (ratio === 1) {
    verdict = 'same as baseline'
  } else if (ratio > 0) {
    // The factor is stated >= 1, with the word saying which way: 0.1x of a throughput reads '10x worse'.
    verdict = `${formatNumber(ratio > 1 ? ratio : 1 / ratio)}x ${good ? 'better' : 'worse'}`
  }
  return { text: `${formatNumber(ratio)}x baseline`, verdict, good }
}

function bar (x: number, y: number, width: number, color: string, value: string): string {
  return `<rect x="${x}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" rx="2" fill="${color}"/>` +
    `<text x="${(x + width + 6).toFixed(1)}" y="${y + BAR_HEIGHT - 5}" font-size="12" fill="#333">${escapeXml(value)}</text>`
}

/** A self-contained SVG (string) that a person can open in a browser: a title, then one row per ChartRow with two horizontal bars (baseline grey, ours blue) scaled to the larger of the two in that row, each bar labelled with its value and unit, and the ratio ours/baseline written at the right ("12.3x baseline"). Rows without a baseline show one bar. */
export function renderChart (title: string, rows: ChartRow[]): string {
  const height = TOP + Math.max(1, rows.length) * ROW_HEIGHT + MARGIN
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`)
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#fff"/>`)
  out.push(`<text x="${MARGIN}" y="32" font-size="20" font-weight="bold" fill="#111">${escapeXml(title)}</text>`)
  out.push(`<rect x="${MARGIN}" y="46" width="14" height="14" fill="${GREY}"/><text x="${MARGIN + 20}" y="58" font-size="12" fill="#333">raw TCP (baseline)</text>`)
  out.push(`<rect x="${MARGIN + 150}" y="46" width="14" height="14" fill="${BLUE}"/><text x="${MARGIN + 170}" y="58" font-size="12" fill="#333">ours (libp2p)</text>`)
  if (rows.length === 0) {
    out.push(`<text x="${MARGIN}" y="${TOP + 30}" font-size="14" fill="#666">no results</text>`)
  }
  rows.forEach((row, i) => {
    const y = TOP + i * ROW_HEIGHT
    const hasBaseline = row.baseline !== undefined
    const values = hasBaseline ? [row.baseline as number, row.ours] : [row.ours]
    const max = Math.max(...values.filter(v => Number.isFinite(v) && v > 0), 0)
    // A positive value keeps at least a sliver, so it is not mistaken for zero.
    const widthOf = (v: number): number => max > 0 && Number.isFinite(v) && v > 0 ? Math.max(1, (v / max) * BAR_MAX) : 0
    if (i > 0) out.push(`<line x1="${MARGIN}" x2="${WIDTH - MARGIN}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${MARGIN}" y="${y + 18}" font-size="14" font-weight="bold" fill="#222">${escapeXml(row.label)}</text>`)
    let barY = y + 26
    if (hasBaseline) {
      const baseline = row.baseline as number
      out.push(`<text x="${MARGIN}" y="${barY + BAR_HEIGHT - 5}" font-size="11" fill="#777">raw TCP</text>`)
      out.push(bar(BAR_X, barY, widthOf(baseline), GREY, withUnit(baseline, row.unit)))
      barY += BAR_HEIGHT + BAR_GAP
    }
    out.push(`<text x="${MARGIN}" y="${barY + BAR_HEIGHT - 5}" font-size="11" fill="#777">ours</text>`)
    out.push(bar(BAR_X, barY, widthOf(row.ours), BLUE, withUnit(row.ours, row.unit)))
    const ratio = ratioOf(row)
    const right = WIDTH - MARGIN
    if (ratio !== undefined) {
      const color = ratio.good ? GOOD : BAD
      out.push(`<text x="${right}" y="${y + 44}" font-size="15" font-weight="bold" text-anchor="end" fill="${color}">${escapeXml(ratio.text)}</text>`)
      out.push(`<text x="${right}" y="${y + 60}" font-size="11" text-anchor="end" fill="${color}">${escapeXml(ratio.verdict)}</text>`)
    } else if (hasBaseline) {
      out.push(`<text x="${right}" y="${y + 44}" font-size="13" text-anchor="end" fill="#777">no ratio</text>`)
    } else {
      out.push(`<text x="${right}" y="${y + 44}" font-size="12" text-anchor="end" fill="#777">no baseline</text>`)
    }
    out.push(`<text x="${right}" y="${y + 18}" font-size="11" text-anchor="end" fill="#999">${row.better} is better</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
