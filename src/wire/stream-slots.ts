/**
 * At most `limit` streams open at once toward each peer, the others waiting their turn. libp2p refuses a stream past
 * a protocol's outbound limit outright ("Too many outbound protocol streams"), so without this a burst of requests
 * to one peer (a joining node looking up twenty members with its bootstrap) fails instead of queueing.
 */
export class StreamSlots {
  private readonly limit: number
  private readonly peers = new Map<string, { open: number, waiting: Array<() => void> }>()

  constructor (limit: number) {
    this.limit = limit
  }

  /** Resolves with the slot's release once one is free for `peer`; rejects if `signal` aborts first. */
  async acquire (peer: string, signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted()
    let slots = this.peers.get(peer)
    if (slots == null) {
      slots = { open: 0, waiting: [] }
      this.peers.set(peer, slots)
    }
    const release = this.releaser(peer, slots)
    if (slots.open < this.limit) {
      slots.open++
      return release
    }
    const queue = slots.waiting
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        queue.splice(queue.indexOf(granted), 1)
        reject(signal.reason)
      }
      // a released slot passes straight to the first in line: `open` stays as it is
      const granted = (): void => {
        signal.removeEventListener('abort', onAbort)
        resolve(release)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      queue.push(granted)
    })
  }

  private releaser (peer: string, slots: { open: number, waiting: Array<() => void> }): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = slots.waiting.shift()
      if (next != null) {
        next()
      } else if (--slots.open === 0) {
        this.peers.delete(peer)
      }
    }
  }
}
