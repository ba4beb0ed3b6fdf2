import { TypedEventEmitter } from 'main-event'
import { peerIdsOf } from '../config.js'
import { jitter, shuffle } from '../random.js'
import { dialBootstrap } from './dial-bootstrap.js'
import { messageOf } from '../errors.js'
import type { MemberList } from '../membership/members.js'
import type { PeerExchangeService } from './peer-exchange/index.js'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** While a node is short of connections it looks around this often (ms); once it has enough, this much less often. */
const BUSY_TICK = 500
const IDLE_TICK = 5_000
/**
 * While short of connections, or while answers still bring news and it has not yet caught up with a bootstrap's
 * view, a node asks for more peers this often (ms), rather than every peerExchangeInterval.
 */
const HUNGRY_EXCHANGE_INTERVAL = 2_000
/**
 * Backoff of redialing the bootstrap list while some bootstrap is not connected (all of them, after losing every
 * connection): from 1 s, doubling, up to 10 s, with jitter. A restarted bootstrap is back in touch within 10 s.
 */
const REBOOTSTRAP_MIN = 1_000
const REBOOTSTRAP_MAX = 10_000
/** Backoff of redialing a peer that failed: from 2 s, doubling, up to 2 min. */
const REDIAL_MIN = 2_000
const REDIAL_MAX = 120_000
/** Connections a node outside the mesh adds to its target at a time (see widen()). */
const WIDEN_STEP = 2

export interface ConnectionKeeperInit {
  libp2p: Libp2p
  peerExchange: PeerExchangeService
  members: MemberList
  bootstrap: Multiaddr[]
  /** A bootstrap keeps no peer connections of its own; it syncs its view with the other bootstraps it is given. */
  role: 'bootstrap' | 'peer'
  /** Connections to peers (bootstraps not counted) to keep. */
  targetConnections: number
  /** How often a bootstrap syncs its view with the other bootstraps. */
  syncInterval: number
  maxParallelDials: number
  peerExchangeInterval: number
  dialTimeout: number
  log: Logger
}

export interface ConnectionKeeperEvents {
  /** A bootstrap of the list could not be dialed, or is not the peer its address names (JoinRefusedError). */
  'bootstrap:failed': CustomEvent<{ address: Multiaddr, error: Error }>
}

/**
 * Keeps a node connected to a random set of other nodes, so that the broadcast mesh forms among the nodes rather
 * than as a star around the bootstrap. One timer drives it:
 * - it asks connected nodes (a bootstrap first) for the peers they know, often while short of connections;
 * - it dials random known peers, a few at a time, until `targetConnections` peers are connected;
 * - while a bootstrap of its list is not connected, it dials the list again, with exponential backoff;
 * - on a bootstrap, it pages through the other bootstraps' views, so that bootstraps share what they know.
 * libp2p v2 dials nothing by itself: without this, discovered peers would stay unconnected.
 */
export class ConnectionKeeper extends TypedEventEmitter<ConnectionKeeperEvents> {
  private readonly init: ConnectionKeeperInit
  private readonly bootstrapIds: Set<string>
  private readonly dialing = new Set<string>()
  private readonly failures = new Map<string, { count: number, retryAt: number }>()
  private timer?: NodeJS.Timeout
  private nextTickAt = Infinity
  private running = false
  private exchanging = false
  private nextExchangeAt = 0
  private nextBootstrapAt = 0
  private bootstrapBackoff = REBOOTSTRAP_MIN
  /** Connections wanted beyond targetConnections while this node cannot get into a mesh. */
  private extra = 0
  /** When this node last paged through a bootstrap's view for being behind it (see isBehind). */
  private lastSyncAt = 0
  /** Whether this node has paged through a bootstrap's whole view (see catchUp). */
  private caughtUp = false
  private catchingUp = false

  constructor (init: ConnectionKeeperInit) {
    super()
    this.init = init
    this.bootstrapIds = peerIdsOf(init.bootstrap)
    this.onConnectionClose = this.onConnectionClose.bind(this)
  }

  start (): void {
    if (this.running) {
      return
    }
    this.running = true
    this.init.libp2p.addEventListener('connection:close', this.onConnectionClose)
    this.caughtUp = false
    // the node dialed its bootstraps just before (registerWithBootstraps): the first redial waits its turn
    this.nextBootstrapAt = Date.now() + jitter(REBOOTSTRAP_MIN)
    this.bootstrapBackoff = 2 * REBOOTSTRAP_MIN
    this.schedule(0)
  }

  stop (): void {
    this.running = false
    this.init.libp2p.removeEventListener('connection:close', this.onConnectionClose)
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Whether `peer` is a bootstrap: one of this node's list, or a member that says it is one. */
  isBootstrap (peer: PeerId): boolean {
    return this.bootstrapIds.has(peer.toString()) || this.init.members.get(peer)?.role === 'bootstrap'
  }

  /** Whether this node has fewer peer connections than it wants, and is dialing more. */
  isShort (): boolean {
    return this.init.role === 'peer' && this.peerConnections() < this.init.targetConnections + this.extra
  }

  /** Connected peers that count towards the target: not bootstraps. */
  peerConnections (): number {
    let count = 0
    for (const peer of this.init.libp2p.getPeers()) {
      if (!this.isBootstrap(peer)) {
        count++
      }
    }
    return count
  }

  /**
   * Asks the connected bootstraps and one other connected node for the holder of `name`, recording what they
   * answer. For a name this node has not heard of yet.
   */
  async lookUpName (name: string, signal?: AbortSignal): Promise<void> {
    const connected = this.init.libp2p.getPeers()
    const asked = [
      ...connected.filter(peer => this.isBootstrap(peer)),
      ...shuffle(connected.filter(peer => !this.isBootstrap(peer))).slice(0, 1)
    ]
    await Promise.allSettled(asked.map(async peer => this.init.peerExchange.exchange(peer, { findName: name, signal })))
  }

  /**
   * Pages through the whole view of a connected bootstrap, once this node is in the membership topic's mesh (see
   * P2PNode.checkReady). Nodes that joined at about the same time as this one announced themselves before it could
   * hear them, and the samples of a peer exchange find the last few of them only slowly: whoever registered before
   * this catch-up is in it, and whoever registers after is heard announcing itself (docs/decisions/catch-up.md).
   */
  catchUp (): void {
    const bootstrap = shuffle(this.init.libp2p.getPeers().filter(peer => this.isBootstrap(peer)))[0]
    if (bootstrap == null || this.catchingUp) {
      return
    }
    this.catchingUp = true
    this.init.peerExchange.exchangeAll(bootstrap)
      .then(added => {
        this.caughtUp = true
        this.init.log('caught up with %p: %d peers new to this node', bootstrap, added)
      })
      .catch(err => { this.init.log('catching up with %p failed: %s', bootstrap, err.message) })
      .finally(() => { this.catchingUp = false })
  }

  /** Whether this node has paged through a bootstrap's whole view since it started: it holds the network's view. */
  get hasCaughtUp (): boolean {
    return this.caughtUp
  }

  /**
   * Wants WIDEN_STEP more connections than now: for a node connected to enough peers that still has no mesh peer.
   * A peer whose gossipsub mesh is full (Dhi) refuses a GRAFT over a connection it did not dial, and a joining node
   * dials all of its connections; in a big swarm meshes fill up (every join adds D links), so a joining node can
   * meet only full peers and stay outside the mesh for good. More peers find one with room; at most twice the
   * target, since a refusal lasts only gossipsub's prune backoff (1 min) and a mesh with room takes it in then.
   */
  widen (): void {
    if (this.init.role !== 'peer') {
      return
    }
    const { targetConnections } = this.init
    this.extra = Math.min(Math.max(this.extra, this.peerConnections() - targetConnections) + WIDEN_STEP, Math.max(targetConnections, WIDEN_STEP))
    this.init.log('outside the mesh with %d peer connections: looking for %d more', this.peerConnections(), WIDEN_STEP)
    this.schedule(0)
  }

  /** In the mesh: back to targetConnections, keeping the connections it has. */
  settle (): void {
    this.extra = 0
  }

  private onConnectionClose (): void {
    this.schedule(100)
  }

  /** Runs the next tick in `delay` ms, unless one is already due sooner. */
  private schedule (delay: number): void {
    if (!this.running || Date.now() + delay >= this.nextTickAt) {
      return
    }
    clearTimeout(this.timer)
    this.nextTickAt = Date.now() + delay
    this.timer = setTimeout(() => {
      this.nextTickAt = Infinity
      this.tick()
    }, delay)
  }

  private tick (): void {
    if (!this.running) {
      return
    }
    const { libp2p, role } = this.init
    const now = Date.now()
    const connected = libp2p.getPeers()
    const short = this.isShort()
    const connectedIds = new Set(connected.map(String))
    if ([...this.bootstrapIds].some(id => !connectedIds.has(id))) {
      this.rebootstrap(now, connectedIds)
    } else {
      this.bootstrapBackoff = REBOOTSTRAP_MIN
    }
    if (connected.length > 0 && now >= this.nextExchangeAt) {
      if (role === 'bootstrap') {
        this.sync(connected)
      } else {
        this.exchange(connected, short)
      }
    }
    if (short) {
      this.dialCandidates(now)
    }
    this.schedule(short || connected.length === 0 ? jitter(BUSY_TICK) : jitter(IDLE_TICK))
  }

  private rebootstrap (now: number, connected: Set<string>): void {
    if (now < this.nextBootstrapAt) {
      return
    }
    this.nextBootstrapAt = now + jitter(this.bootstrapBackoff)
    this.bootstrapBackoff = Math.min(this.bootstrapBackoff * 2, REBOOTSTRAP_MAX)
    const missing = this.init.bootstrap.filter(ma => !connected.has(ma.getPeerId() ?? ''))
    this.init.log('dialing %d unconnected bootstrap addresses', missing.length)
    for (const ma of missing) {
      dialBootstrap(this.init.libp2p, ma, AbortSignal.timeout(this.init.dialTimeout))
        .then(() => { this.schedule(0) })
        .catch(err => {
          this.init.log('bootstrap %a unreachable: %s', ma, err.message)
          if (this.running) this.safeDispatchEvent('bootstrap:failed', { detail: { address: ma, error: err } })
        })
    }
  }

  /**
   * Asks one connected bootstrap and one other connected node for peers; one exchange round at a time. A bootstrap
   * that knows more settled members than this node knows members at all is paged through.
   */
  private exchange (connected: PeerId[], short: boolean): void {
    if (this.exchanging) {
      return
    }
    this.exchanging = true
    this.nextExchangeAt = Date.now() + (short ? HUNGRY_EXCHANGE_INTERVAL : jitter(this.init.peerExchangeInterval))
    const bootstrap = shuffle(connected.filter(peer => this.isBootstrap(peer)))[0]
    const other = shuffle(connected.filter(peer => !this.isBootstrap(peer)))[0]
    const asked = [bootstrap, other].filter((peer): peer is PeerId => peer != null)
    Promise.allSettled(asked.map(async peer => this.init.peerExchange.exchange(peer)))
      .then(async results => {
        for (const [i, result] of results.entries()) {
          if (result.status === 'rejected') {
            this.init.log('peer exchange failed: %s', result.reason?.message)
            continue
          }
          // Caught up, a node hears of new members by their JOINs, and of missed ones by isBehind: in a growing swarm
          // nearly every sample brings a member whose JOIN is still on its way, and asking again soon for each would
          // swamp the bootstrap (docs/decisions/peer-exchange-pacing.md)
          if (result.value.added > 0 && !this.caughtUp) {
            this.nextExchangeAt = Math.min(this.nextExchangeAt, Date.now() + HUNGRY_EXCHANGE_INTERVAL)
          }
          if (asked[i] === bootstrap && this.isBehind(result.value.settledMembers)) {
            await this.syncWith(bootstrap)
          }
        }
        this.exchanging = false
        this.schedule(0)
      })
  }

  /**
   * Whether a bootstrap that knows `settledMembers` (members it has known longer than an announcement may take to
   * arrive, itself included) knows some this node missed, at most once per half peer exchange interval. A member
   * whose JOIN this node missed (it came while this node was still catching up, or too late for gossipsub to take
   * it) is otherwise heard of only by its next heartbeat, which a big network stretches to many minutes, or by
   * chance in a random sample. Settled members, not live ones: a bootstrap hears of each new member first, so by the
   * live count every node would look behind all through the joins (docs/decisions/catch-up.md).
   */
  private isBehind (settledMembers: number | undefined, now = Date.now()): boolean {
    if (settledMembers == null || settledMembers <= this.init.members.live().length + 1 ||
      now - this.lastSyncAt < this.init.peerExchangeInterval / 2) {
      return false
    }
    this.lastSyncAt = now
    return true
  }

  /** Pages through the whole view of `bootstrap`. */
  private async syncWith (bootstrap: PeerId): Promise<void> {
    try {
      const added = await this.init.peerExchange.exchangeAll(bootstrap)
      this.init.log('behind %p: paged through its view, %d peers new to this node', bootstrap, added)
    } catch (err) {
      this.init.log('paging through the view of %p failed: %s', bootstrap, messageOf(err))
    }
  }

  /** A bootstrap pages through the views of the other bootstraps it is connected to. */
  private sync (connected: PeerId[]): void {
    if (this.exchanging) {
      return
    }
    this.exchanging = true
    this.nextExchangeAt = Date.now() + jitter(this.init.syncInterval)
    const bootstraps = connected.filter(peer => this.bootstrapIds.has(peer.toString()))
    Promise.allSettled(bootstraps.map(async peer => this.init.peerExchange.exchangeAll(peer)))
      .then(results => {
        for (const result of results) {
          if (result.status === 'rejected') {
            this.init.log('syncing with a bootstrap failed: %s', result.reason?.message)
          }
        }
        this.exchanging = false
      })
  }

  private dialCandidates (now: number): void {
    const { libp2p, members, maxParallelDials, targetConnections } = this.init
    const wanted = Math.min(targetConnections + this.extra - this.peerConnections(), maxParallelDials) - this.dialing.size
    if (wanted <= 0) {
      return
    }
    const connected = new Set(libp2p.getPeers().map(String))
    // only members known alive: a member that left or died is not redialed
    const candidates = shuffle(members.live().filter(peer => {
      const id = peer.peerId.toString()
      return peer.state === 'alive' &&
        peer.role === 'peer' &&
        !peer.peerId.equals(libp2p.peerId) &&
        !connected.has(id) &&
        !this.dialing.has(id) &&
        (this.failures.get(id)?.retryAt ?? 0) <= now
    }))
    for (const peer of candidates.slice(0, wanted)) {
      const id = peer.peerId.toString()
      this.dialing.add(id)
      libp2p.dial(peer.peerId, { signal: AbortSignal.timeout(this.init.dialTimeout) })
        .then(() => { this.failures.delete(id) })
        .catch(err => {
          const count = (this.failures.get(id)?.count ?? 0) + 1
          this.failures.set(id, { count, retryAt: Date.now() + jitter(Math.min(REDIAL_MIN * 2 ** (count - 1), REDIAL_MAX)) })
          this.init.log('dial %p failed (%d in a row): %s', peer.peerId, count, err.message)
        })
        .finally(() => {
          this.dialing.delete(id)
          this.schedule(0)
        })
    }
  }
}
