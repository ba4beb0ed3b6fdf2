/** A seeded random source (mulberry32): the same seed gives the same pairs, publishers and victims. */
export class SeededRandom {
  private state: number

  constructor (readonly seed: number) {
    this.state = seed >>> 0
  }

  /** A float in [0, 1). */
  next (): number {
    this.state = (this.state + 0x6D2B79F5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [0, n). */
  int (n: number): number {
    return Math.floor(this.next() * n)
  }

  /** `count` distinct items of `items`, in random order. */
  sample<T> (items: readonly T[], count: number): T[] {
    const copy = [...items]
    for (let i = 0; i < Math.min(count, copy.length); i++) {
      const j = i + this.int(copy.length - i)
      ;[copy[i], copy[j]] = [copy[j], copy[i]]
    }
    return copy.slice(0, count)
  }
}
