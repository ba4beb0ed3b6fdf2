/**
 * The two halves of membership that a membership protocol replaces: how a node learns whether its peers are alive
 * (failure detection) and how membership news reaches every node (dissemination). Membership drives them; the view
 * (MemberList), the registry, goodbye and network size stay as they are.
 */
import type { Member } from './members.js'
import type { PeerId } from '@libp2p/interface'

/** How this node learns whether its peers are alive. Today: pings on the connections it has (Liveness). */
export interface FailureDetector {
  start: () => void
  stop: () => void
  /** Whether `peer` answers now; checks of one peer that overlap share one answer. */
  check: (peer: PeerId) => Promise<boolean>
  /** When `peer` last answered this node, ms since the epoch; 0 if never. */
  lastAnswer: (peer: PeerId) => number
}

export interface DisseminationEvents {
  /** An operator ordered the network to shut down. */
  shutdown: CustomEvent<{ from: PeerId, reason: string }>
}

/** How membership news reaches every node. Today: signed announcements on a gossipsub topic (Announcer). */
export interface Dissemination {
  /** Announcements refused since start: malformed, or not allowed from their sender. */
  readonly rejected: number
  /** This start's nonce, which tells it from earlier starts of the same peer id. */
  readonly nonce: Uint8Array
  start: () => void
  /** A bootstrap certified this node's name for this start. */
  certified: (issuer: PeerId, signature: Uint8Array) => void
  /** Starts telling the network about this node (it is registered). */
  join: () => Promise<void>
  stop: () => void
  /** Tells the network this node is leaving. */
  leave: (reason: string) => Promise<void>
  /** A bootstrap tells the network that `member` is dead, or has left. */
  memberGone: (kind: 'dead' | 'left', member: Member) => Promise<void>
  /** An operator orders every node to leave. */
  orderShutdown: (reason: string) => Promise<void>
  addEventListener: <K extends keyof DisseminationEvents>(type: K, listener: (evt: DisseminationEvents[K]) => void) => void
}
