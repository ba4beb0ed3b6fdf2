/** Randomness that keeps nodes started together from acting in lockstep. */

/** `ms` give or take 20%. */
export function jitter (ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4))
}

/** Fisher-Yates, in place. */
export function shuffle<T> (items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items
}
