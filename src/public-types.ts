/** The types of the public API: what a node reports and what its methods return. */
import type { Role } from './config.js'
import type { JoinRefusedError } from './errors.js'
import type { MemberEvents, MemberState } from './membership/members.js'
import type { NetworkSize } from './membership/network-size/index.js'
import type { GossipSub } from '@chainsafe/libp2p-gossipsub'
import type { Identify } from '@libp2p/identify'
import type { PeerId, PeerInfo } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { PeerExchangeService } from './discovery/peer-exchange/index.js'

// a type, not an interface: libp2p's ServiceMap wants an index signature, which only type aliases get implicitly
export type NodeServices = {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
  peerExchange: PeerExchangeService
}

/** A message this node received, by broadcast or directly. */
export interface NodeMessage {
  /** 32 hex characters, chosen by the sender. */
  id: string
  kind: 'broadcast' | 'direct'
  /** The authenticated sender: the gossipsub signer, or the Noise-authenticated remote peer. */
  from: PeerId
  /** The name the sender is registered under: a message claiming another one is refused. */
  fromName: string
  payload: Uint8Array
  /** The payload decoded as UTF-8 (with replacement characters where it is not). */
  text: string
  /** Sender's clock, ms since the epoch. */
  sentAt: number
  /** This node's clock, ms since the epoch. */
  receivedAt: number
}

/** A member of the network, as this node sees it. */
export interface MemberInfo {
  peerId: string
  name: string
  role: Role
  state: MemberState
  multiaddrs: string[]
  /** Whether this node is connected to it. */
  connected: boolean
  /** When this node first heard of it, ms since the epoch. */
  firstSeen: number
  /** The latest first-hand news of it, ms since the epoch. */
  lastSeen: number
  /** Peer ids it was connected to, as of its last heartbeat: the edges of the network graph. */
  neighbours: string[]
  /** Those of its neighbours that were in its broadcast mesh. */
  mesh: string[]
}

/** A node's view of the network and of its own part in it. */
export interface NetworkStatus {
  peerId: string
  name: string
  role: Role
  uptimeMs: number
  size: NetworkSize
  /** Members of this node's view by state, itself not counted. */
  members: Record<MemberState, number>
  connections: number
  peerConnections: number
  meshPeers: number
  messages: {
    sent: { broadcast: number, direct: number }
    received: { broadcast: number, direct: number }
    /** Messages refused: malformed, from a sender that is not a live member, claiming another name, or replays. */
    rejected: { broadcast: number, direct: number }
    /** Membership announcements refused: malformed, or not allowed from their sender (forged DEAD or shutdown). */
    rejectedAnnouncements: number
  }
  /** Peers this node banned for flooding or misbehaving: kept out now, and banned since start. */
  bans: { now: number, total: number }
}

/** A message this node refused, and why. */
export interface RejectedMessage {
  kind: 'broadcast' | 'direct'
  /** The authenticated sender; undefined for an unsigned broadcast. */
  from?: PeerId
  /** The name the sender claimed. */
  fromName: string
  id: string
  reason: string
}

export interface ShutdownOrder {
  /** The operator who ordered it, authenticated by its signature. */
  from: PeerId
  reason: string
}

export interface BroadcastResult {
  id: string
  /** Peers the message was sent to directly; gossipsub carries it on to the rest. */
  recipients: number
}

export interface SendResult {
  id: string
  peerId: string
}

export interface P2PNodeEvents extends MemberEvents {
  /** A broadcast or direct message arrived. */
  message: CustomEvent<NodeMessage>
  /** A peer was learned of, from a bootstrap or another node. */
  'peer:discovery': CustomEvent<PeerInfo>
  'peer:connect': CustomEvent<PeerId>
  'peer:disconnect': CustomEvent<PeerId>
  /**
   * A peer node is ready: a registered member that holds the network's view and is in the broadcast mesh (or is
   * the only peer node), so that its broadcasts reach everyone. Once per start; never for a bootstrap.
   */
  ready: CustomEvent<void>
  /** libp2p listens (node.multiaddrs are known); next, the node registers with its bootstraps. Once per start. */
  listening: CustomEvent<void>
  /** A bootstrap accepted this node: it is a member now, and catches up with the network's view. Once per start. */
  joined: CustomEvent<{ bootstrap: PeerId }>
  /**
   * A bootstrap of this node's list could not be reached, or did not accept the registration, for now: it is tried
   * again with backoff (1 s, doubling, up to 10 s).
   */
  'bootstrap:failed': CustomEvent<{ address: string, error: string }>
  /** A broadcast or direct message was refused; `reason` says why. Counted in networkStatus().messages.rejected. */
  'message:rejected': CustomEvent<RejectedMessage>
  /** A peer flooded this node or misbehaved: it was hung up on and is kept out for `banDuration`. */
  'peer:banned': CustomEvent<{ peerId: PeerId, reason: string }>
  /** An operator ordered the network to shut down: this node is leaving. */
  shutdown: CustomEvent<ShutdownOrder>
  /**
   * A bootstrap that was unreachable at start refused this node later (its name or key was taken, or another peer
   * answers at its address): it is leaving. At start, the refusal rejects start() instead.
   */
  refused: CustomEvent<JoinRefusedError>
}
