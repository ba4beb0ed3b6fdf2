/**
 * The Flask seed's four messaging patterns, as lists of messages between peer nodes 1..N (the bootstrap, 0, takes
 * no part). Only live nodes are planned: after churn, the survivors keep talking among themselves.
 */
import type { SeededRandom } from './seeded-random.js'

export const PATTERNS = ['chain', 'broadcast', 'random', 'group'] as const
export type Pattern = typeof PATTERNS[number]

/** Nodes per group in the group pattern. */
export const GROUP_SIZE = 5

export interface PlannedMessage {
  from: number
  /** A node, or every other live peer node (a broadcast). */
  to: number | 'all'
}

/** One round of `pattern` among the `live` peer nodes (ascending indices). */
export function planRound (pattern: Pattern, live: readonly number[], random: SeededRandom): PlannedMessage[] {
  switch (pattern) {
    case 'chain':
      // node i to node i+1, along the live nodes
      return live.slice(0, -1).map((from, i) => ({ from, to: live[i + 1] }))
    case 'broadcast':
      return live.length < 2 ? [] : [{ from: live[random.int(live.length)], to: 'all' }]
    case 'random':
      // N random pairs of distinct nodes
      return live.length < 2
        ? []
        : live.map(() => {
          const [from, to] = random.sample(live, 2)
          return { from, to }
        })
    case 'group': {
      // consecutive groups of 5, everyone to everyone else in the group
      const messages: PlannedMessage[] = []
      for (let start = 0; start < live.length; start += GROUP_SIZE) {
        const group = live.slice(start, start + GROUP_SIZE)
        for (const from of group) {
          for (const to of group) {
            if (from !== to) messages.push({ from, to })
          }
        }
      }
      return messages
    }
  }
}
