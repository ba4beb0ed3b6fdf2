import type { Role } from '../config.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** What this node knows of another node. */
export interface KnownPeer {
  peerId: PeerId
  name: string
  role: Role
  multiaddrs: Multiaddr[]
  /** When this node, or the node that told it, last had first-hand news of the peer (ms since the epoch). */
  lastSeen: number
}

/** The most peers a registry holds; beyond it the stalest entry makes room. */
const MAX_PEERS = 10_000

/**
 * The peers this node has heard of: from bootstraps, from other nodes' peer exchange answers, and from the nodes
 * that asked it. The bootstrap's registry is the same structure; it just hears from everyone.
 *
 * Entries expire: a peer not seen first-hand within `ttl` ms (by anyone who passed the news on) is forgotten,
 * so a dead node does not circulate for ever between nodes that only heard of it.
 */
export class PeerRegistry {
  private readonly peers = new Map<string, KnownPeer>()
  private readonly ttl: number

  constructor (ttl: number) {
    this.ttl = ttl
  }

  /**
   * Records news of a peer. `lastSeen` only moves forward, so hearsay cannot make a first-hand entry look
   * older. Returns true if the peer is new to this registry.
   */
  record (peer: KnownPeer, now = Date.now()): boolean {
    if (now - peer.lastSeen > this.ttl) {
      return false
    }
    const key = peer.peerId.toString()
    const existing = this.peers.get(key)
    if (existing != null && existing.lastSeen > peer.lastSeen) {
      return false
    }
    this.peers.delete(key) // re-insert, so the map stays ordered from stalest to freshest
    this.peers.set(key, peer)
    if (existing == null && this.peers.size > MAX_PEERS) {
      this.peers.delete(this.peers.keys().next().value as string)
    }
    return existing == null
  }

  /** Marks a peer as seen first-hand now (it is connected, or it talked to us). */
  touch (peerId: PeerId, now = Date.now()): void {
    const peer = this.peers.get(peerId.toString())
    if (peer != null) {
      this.record({ ...peer, lastSeen: now }, now)
    }
  }

  get (peerId: PeerId | string): KnownPeer | undefined {
    return this.live(this.peers.get(peerId.toString()))
  }

  /** The live peer holding `name`, if any; with duplicates (a later issue makes names unique), the freshest. */
  findByName (name: string): KnownPeer | undefined {
    let found: KnownPeer | undefined
    for (const peer of this.list()) {
      if (peer.name === name) {
        found = peer
      }
    }
    return found
  }

  forget (peerId: PeerId | string): void {
    this.peers.delete(peerId.toString())
  }

  /** Live entries, stalest first. Expired ones are dropped on the way. */
  list (now = Date.now()): KnownPeer[] {
    const out: KnownPeer[] = []
    for (const [key, peer] of this.peers) {
      if (now - peer.lastSeen > this.ttl) {
        this.peers.delete(key)
      } else {
        out.push(peer)
      }
    }
    return out
  }

  /** Up to `limit` live entries chosen at random, leaving out `exclude`. */
  sample (limit: number, exclude?: PeerId): KnownPeer[] {
    const candidates = this.list().filter(peer => exclude == null || !peer.peerId.equals(exclude))
    shuffle(candidates)
    return candidates.slice(0, limit)
  }

  get size (): number {
    return this.list().length
  }

  private live (peer: KnownPeer | undefined): KnownPeer | undefined {
    return peer != null && Date.now() - peer.lastSeen <= this.ttl ? peer : undefined
  }
}

/** Fisher-Yates, in place. */
export function shuffle<T> (items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items
}
