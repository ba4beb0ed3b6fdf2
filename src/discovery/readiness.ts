import { TypedEventEmitter } from 'main-event'
import type { ConnectionKeeper } from './connection-keeper.js'
import type { Role } from '../config.js'
import type { MemberList } from '../membership/members.js'
import type { Membership } from '../membership/membership.js'
import type { GossipSub } from '@chainsafe/libp2p-gossipsub'

/** A joined node catches up with its bootstrap's view once in the membership mesh, or after this long without one. */
const CATCH_UP_WAIT = 10_000
/** Gossipsub heartbeats a node connected to enough peers may spend outside a mesh before it looks for more. */
const MESHLESS_HEARTBEATS = 3

export interface ReadinessInit {
  role: Role
  pubsub: GossipSub
  /** The broadcast topic: a ready node is in its mesh. */
  broadcastTopic: string
  membership: Membership
  keeper: ConnectionKeeper
  members: MemberList
}

export interface ReadinessEvents {
  /** This peer node is ready (see isReady). Once per start. */
  ready: CustomEvent<void>
}

/**
 * Takes a peer node from registered to ready: it catches up with the network's view once in the membership mesh,
 * and is ready once it holds that view and is in the broadcast mesh (or is the only peer node). A node that stays
 * outside a mesh although connected to enough peers has met only peers whose meshes are full: it dials more. Runs
 * on registration, gossipsub's graft events and heartbeats.
 */
export class Readiness extends TypedEventEmitter<ReadinessEvents> {
  private readonly init: ReadinessInit
  /** When a bootstrap first accepted this node, this start. */
  private joinedAt = 0
  private ready = false
  /** Gossipsub heartbeats in a row this node spent outside a mesh while connected to enough peers. */
  private heartbeatsOutsideMesh = 0

  constructor (init: ReadinessInit) {
    super()
    this.init = init
    this.check = this.check.bind(this)
    this.onHeartbeat = this.onHeartbeat.bind(this)
    this.onJoined = this.onJoined.bind(this)
  }

  /**
   * True once the node is a registered member that holds the network's view (it paged through a bootstrap's) and
   * can broadcast to everyone: it is in the broadcast mesh, or it is the only peer node. A bootstrap always is.
   */
  get isReady (): boolean {
    const { role, membership, keeper, members } = this.init
    if (role === 'bootstrap') {
      return true
    }
    const holdsView = membership.registrations.isJoined && keeper.hasCaughtUp
    return holdsView && (this.meshPeers() > 0 || !members.live().some(member => member.role === 'peer'))
  }

  start (): void {
    this.ready = false
    this.joinedAt = 0
    this.heartbeatsOutsideMesh = 0
    if (this.init.role !== 'peer') {
      return
    }
    this.init.pubsub.addEventListener('gossipsub:graft', this.check)
    this.init.pubsub.addEventListener('gossipsub:heartbeat', this.onHeartbeat)
    this.init.membership.addEventListener('joined', this.onJoined)
  }

  stop (): void {
    this.init.pubsub.removeEventListener('gossipsub:graft', this.check)
    this.init.pubsub.removeEventListener('gossipsub:heartbeat', this.onHeartbeat)
    this.init.membership.removeEventListener('joined', this.onJoined)
  }

  private meshPeers (): number {
    return this.init.pubsub.getMeshPeers(this.init.broadcastTopic).length
  }

  private onJoined (): void {
    this.joinedAt = Date.now()
    this.check()
  }

  private onHeartbeat (): void {
    this.check()
    this.findMeshRoom()
  }

  /**
   * A graft event also fires for grafts that gossipsub refused, so the meshes themselves are checked. A peer this
   * node grafted is in its mesh until that peer's PRUNE arrives: ready may come just before a refusal, and
   * findMeshRoom then looks further.
   */
  private check (): void {
    const { membership, keeper, pubsub } = this.init
    const registrations = membership.registrations
    if (!registrations.isJoined) {
      registrations.retryRegistrations()
      return
    }
    // Once in the membership mesh, this node hears every JOIN sent from now on: a page through a bootstrap's view
    // then adds all that registered before. Caught up earlier, it would miss the nodes joining at about the same
    // time until their next heartbeat. A node that joined alone has no mesh to wait for, nor one whose bootstrap
    // knew only members that are gone. A failed catch-up is tried again at the next heartbeat.
    const inMesh = pubsub.getMeshPeers(membership.topic).length > 0
    if (!keeper.hasCaughtUp && (inMesh || registrations.joinedAlone || Date.now() - this.joinedAt > CATCH_UP_WAIT)) {
      keeper.catchUp()
    }
    if (!this.ready && this.isReady) {
      this.ready = true
      this.safeDispatchEvent('ready')
    }
  }

  /** Outside the broadcast or the membership mesh for MESHLESS_HEARTBEATS while not short of peers: dial more. */
  private findMeshRoom (): void {
    const { pubsub, keeper, membership } = this.init
    if (this.meshPeers() > 0 && pubsub.getMeshPeers(membership.topic).length > 0) {
      this.heartbeatsOutsideMesh = 0
      keeper.settle()
      return
    }
    if (keeper.isShort()) {
      this.heartbeatsOutsideMesh = 0
      return
    }
    if (++this.heartbeatsOutsideMesh >= MESHLESS_HEARTBEATS) {
      this.heartbeatsOutsideMesh = 0
      keeper.widen()
    }
  }
}
