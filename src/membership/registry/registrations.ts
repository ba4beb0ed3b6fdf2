import { toString as toHex } from 'uint8arrays/to-string'
import { BoundedMap } from '../../bounded-map.js'
import { isValidName, peerIdsOf } from '../../config.js'
import { asError, JoinRefusedError, messageOf, nameOf } from '../../errors.js'
import { dialBootstrap } from '../../discovery/dial-bootstrap.js'
import { RegistryRequest, RegistryResponse, type RegistryProtocol } from './index.js'
import { Role as RegistryRole } from './pb/registry.js'
import { peerIdBytes, readMultiaddrs, readPeerId, roleFromWire, roleToWire } from '../../wire/fields.js'
import { MAX_ADDRESSES, NONCE_BYTES } from '../announcements.js'
import { PING_TIMEOUT } from '../liveness.js'
import { answersPing } from '../ping-channels.js'
import { isGone, type MemberList } from '../members.js'
import type { Role } from '../../config.js'
import type { Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface RegistrationsInit {
  libp2p: Libp2p
  /** The registry protocol: this node asks it, and answers it. */
  registry: RegistryProtocol
  members: MemberList
  /** The bootstraps this node registers with. */
  bootstraps: Multiaddr[]
  describeSelf: () => { name: string, role: Role, multiaddrs: Multiaddr[] }
  /** This start's nonce. */
  nonce: () => Uint8Array
  requestTimeout: number
  /** A member registered: its addresses belong in the peer store. */
  remember: (peer: PeerId, multiaddrs: Multiaddr[]) => void
  /** Whether `peer` answers a ping now. */
  check: (peer: PeerId) => Promise<boolean>
  /** `peer` was reported dead and did not answer. */
  declareDead: (peer: PeerId, why: string) => void
  /** A bootstrap checked a peer this node reported dead, and it answered. */
  onVouchedAlive: (peer: PeerId, bootstrap: PeerId) => void
  /** `peer` deregistered: it left. */
  onLeft: (peer: PeerId) => void
  /** A bootstrap refused this node after it started. */
  onRefused: (err: JoinRefusedError) => void
  /** Registering with the bootstrap at `address` failed for now (unreachable, or no answer): it is tried again. */
  onBootstrapFailed: (address: Multiaddr, err: Error) => void
  /** The first bootstrap of this start accepted this node: it is a member now. */
  onJoined: (bootstrap: PeerId) => void
  /** Signs a membership certificate for a peer this node accepted (see verification/certificate.ts). */
  certify: (peer: PeerId, name: string, nonce: Uint8Array) => Promise<Uint8Array>
  /** A bootstrap accepted this node and certified its name for this start. */
  onCertified: (issuer: PeerId, certificate: Uint8Array) => void
  log: Logger
}

/** A lookup holds up a message's delivery: it gets 2 s per bootstrap. */
const LOOKUP_TIMEOUT = 2_000
/** A lookup's answer is kept this long, so a stranger's messages cost the bootstraps one question, not one each. */
const LOOKUP_CACHE_MS = 10_000
const MAX_CACHED_LOOKUPS = 10_000

interface Registration {
  nonce: string
  connection: Connection
}

/**
 * Both sides of `/<prefix>/registry/1.0.0`. As a member, this node registers with its bootstraps (at start, and
 * whenever one connects again), deregisters when it leaves, and reports peers it found dead. As the node others
 * join through, it keeps names unique and one process per key, and checks a report before it believes it.
 */
export class Registrations {
  private readonly init: RegistrationsInit
  /** The peer ids of the bootstraps this node was given. */
  readonly bootstrapIds: ReadonlySet<string>
  private readonly registrations = new Map<string, Registration>()
  private readonly registeredWith = new Set<string>()
  /** Whether a bootstrap has accepted this node since it started. */
  private joined = false
  /** Live peer members the first bootstrap to accept this node knew of, besides this node. */
  private peersAtJoin?: number
  private readonly registering = new Map<string, Promise<void>>()
  private readonly lookups = new BoundedMap<string, { until: number, answer: Promise<string | undefined> }>(MAX_CACHED_LOOKUPS)

  constructor (init: RegistrationsInit) {
    this.init = init
    this.bootstrapIds = peerIdsOf(init.bootstraps)
    this.onConnect = this.onConnect.bind(this)
    this.onDisconnect = this.onDisconnect.bind(this)
  }

  /** Answers registrations (every node does, so that a node can join through any member). */
  async serve (): Promise<void> {
    await this.init.registry.serve(async (request, connection) => this.handle(request, connection))
  }

  async unserve (): Promise<void> {
    await this.init.registry.unserve()
  }

  start (): void {
    this.init.libp2p.addEventListener('peer:connect', this.onConnect)
    this.init.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
  }

  stop (): void {
    this.init.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.init.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    this.registeredWith.clear()
    this.registering.clear()
    this.joined = false
    this.peersAtJoin = undefined
  }

  /** Whether a bootstrap has accepted this node since it started: it stays a member while its bootstraps come and go. */
  get isJoined (): boolean {
    return this.joined
  }

  /** Whether the bootstrap that accepted this node knew no other peer node then: its view had nothing to catch up. */
  get joinedAlone (): boolean {
    return this.peersAtJoin === 0
  }

  /** Whether `peer` is one of the bootstraps this node was given. */
  isBootstrap (peer: PeerId): boolean {
    return this.bootstrapIds.has(peer.toString())
  }

  /**
   * Registers with every bootstrap this node was given, at once. Resolves when each has answered or failed;
   * rejects with JoinRefusedError if one refused the node. Unreachable bootstraps are registered with when they
   * connect.
   */
  async registerWithBootstraps (): Promise<void> {
    const results = await Promise.allSettled(this.init.bootstraps.map(async ma => {
      try {
        const connection = await dialBootstrap(this.init.libp2p, ma, AbortSignal.timeout(this.init.requestTimeout))
        await this.register(connection.remotePeer)
      } catch (err) {
        if (nameOf(err) !== JoinRefusedError.name) this.init.onBootstrapFailed(ma, asError(err))
        throw err
      }
    }))
    for (const result of results) {
      if (result.status === 'rejected' && result.reason?.name === JoinRefusedError.name) {
        throw result.reason
      }
    }
  }

  /** Deregisters with every connected bootstrap, within `signal`. */
  async deregister (signal: AbortSignal): Promise<void> {
    await Promise.allSettled(this.connectedBootstraps().map(async peer =>
      this.init.registry.ask(peer, this.request(RegistryRequest.Kind.DEREGISTER), { signal })))
  }

  /** Tells every connected bootstrap that `peer` is dead; they check for themselves. */
  reportDead (peer: PeerId): void {
    for (const bootstrap of this.connectedBootstraps()) {
      this.init.registry.ask(bootstrap, { ...this.request(RegistryRequest.Kind.REPORT_DEAD), subject: peerIdBytes(peer) })
        .then(({ response }) => {
          if (response.status === RegistryResponse.Status.ALIVE) {
            this.init.onVouchedAlive(peer, bootstrap)
          }
        })
        .catch(err => { this.init.log('reporting %p to %p failed: %s', peer, bootstrap, err.message) })
    }
  }

  /**
   * Asks the connected bootstraps whether `peer` is a live member: resolves with its registered name, or undefined
   * if none of them knows it. Answers (and questions in flight) are shared for LOOKUP_CACHE_MS.
   */
  async lookUp (peer: PeerId, now = Date.now()): Promise<string | undefined> {
    const key = peer.toString()
    const cached = this.lookups.get(key)
    if (cached != null && cached.until > now) {
      return cached.answer
    }
    // insertion order is expiry order: when full, the oldest answer goes
    this.lookups.delete(key)
    const asked = this.askBootstraps(peer)
    const answer = asked.then(({ name }) => name)
    this.lookups.set(key, { until: now + LOOKUP_CACHE_MS, answer })
    // no bootstrap answered (a timeout, a closed connection): that says nothing of the peer, so the next message
    // from it asks again rather than being refused for LOOKUP_CACHE_MS
    void asked.then(({ answered }) => {
      if (!answered && this.lookups.get(key)?.answer === answer) this.lookups.delete(key)
    })
    return answer
  }

  /** The name a bootstrap has `peer` registered under; `answered` is false if none of them answered. */
  private async askBootstraps (peer: PeerId): Promise<{ name?: string, answered: boolean }> {
    let answered = false
    for (const bootstrap of this.bootstrapsToAsk()) {
      try {
        const { response } = await this.init.registry.ask(bootstrap,
          { ...this.request(RegistryRequest.Kind.LOOKUP), subject: peerIdBytes(peer) }, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT) })
        if (response.status === RegistryResponse.Status.OK && response.name != null) {
          return { name: response.name, answered: true }
        }
        answered ||= response.status === RegistryResponse.Status.UNKNOWN
      } catch (err) {
        this.init.log('looking up %p with %p failed: %s', peer, bootstrap, messageOf(err))
      }
    }
    return { answered }
  }

  /** Peer ids of the members registered with this node. */
  registered (): string[] {
    return [...this.registrations.keys()]
  }

  /** Drops the registrations of members that are gone. */
  sweep (): void {
    for (const key of this.registrations.keys()) {
      const member = this.init.members.get(key)
      if (member == null || isGone(member)) {
        this.registrations.delete(key)
      }
    }
  }

  /** Answers a registry request from the Noise-authenticated peer of `connection`. */
  async handle (request: RegistryRequest, connection: Connection): Promise<RegistryResponse> {
    switch (request.kind) {
      case RegistryRequest.Kind.REGISTER:
        return this.handleRegister(request, connection)
      case RegistryRequest.Kind.DEREGISTER: {
        // only the process that registered may deregister: not another one started with the same key
        const asker = connection.remotePeer
        const registration = this.registrations.get(asker.toString())
        if (registration != null && registration.nonce !== toHex(request.nonce, 'base16')) {
          return { status: RegistryResponse.Status.REJECTED, error: 'not the registered process' }
        }
        this.registrations.delete(asker.toString())
        this.init.onLeft(asker)
        return { status: RegistryResponse.Status.OK }
      }
      case RegistryRequest.Kind.REPORT_DEAD:
        return this.handleReport(request, connection.remotePeer)
      case RegistryRequest.Kind.LOOKUP: {
        const subject = readPeerId(request.subject)
        const member = subject == null ? undefined : this.init.members.get(subject)
        return member == null || isGone(member)
          ? { status: RegistryResponse.Status.UNKNOWN }
          : { status: RegistryResponse.Status.OK, name: member.name }
      }
      default:
        return { status: RegistryResponse.Status.REJECTED, error: 'unknown request' }
    }
  }

  private async handleRegister (request: RegistryRequest, connection: Connection): Promise<RegistryResponse> {
    const asker = connection.remotePeer
    if (!isValidName(request.name) || request.nonce.byteLength !== NONCE_BYTES) {
      return { status: RegistryResponse.Status.REJECTED, error: 'invalid name or nonce' }
    }
    const holder = request.name === this.init.describeSelf().name ? this.init.libp2p.peerId : this.init.members.findByName(request.name)?.peerId
    if (holder != null && !holder.equals(asker)) {
      this.init.log('refused %p: name "%s" is held by %p', asker, request.name, holder)
      return { status: RegistryResponse.Status.NAME_TAKEN, error: `the name "${request.name}" is already held by ${holder.toString()}` }
    }
    const nonce = toHex(request.nonce, 'base16')
    const previous = this.registrations.get(asker.toString())
    if (previous != null && previous.nonce !== nonce && previous.connection.id !== connection.id && await answersPing(previous.connection, AbortSignal.timeout(PING_TIMEOUT))) {
      this.init.log.error('refused %p: another process with this key is running at %a', asker, previous.connection.remoteAddr)
      return { status: RegistryResponse.Status.DUPLICATE_KEY, error: `another process with the key of ${asker.toString()} is already running (at ${previous.connection.remoteAddr.toString()})` }
    }
    this.registrations.set(asker.toString(), { nonce, connection })
    const multiaddrs = readMultiaddrs(request.addresses)
    this.init.remember(asker, multiaddrs)
    this.init.members.selfReport({
      peerId: asker,
      name: request.name,
      role: roleFromWire(request.role),
      multiaddrs,
      nonce,
      seq: 0,
      sentAt: Date.now(),
      heartbeatInterval: 0 // not told: timed out at the network's pace until its announcements say
    }, Date.now(), true)
    const certificate = await this.init.certify(asker, request.name, request.nonce)
    // kept, so that this bootstrap's peer exchange answers vouch for the member's name to those who page through them
    this.init.members.markVerified(asker, nonce, { issuer: this.init.libp2p.peerId, signature: certificate })
    const peers = this.init.members.live().filter(member => member.role === 'peer' && !member.peerId.equals(asker)).length
    return { status: RegistryResponse.Status.OK, certificate, peers }
  }

  private async handleReport (request: RegistryRequest, reporter: PeerId): Promise<RegistryResponse> {
    const subject = readPeerId(request.subject)
    if (subject == null) {
      return { status: RegistryResponse.Status.REJECTED, error: 'invalid subject' }
    }
    if (subject.equals(this.init.libp2p.peerId)) {
      return { status: RegistryResponse.Status.ALIVE, error: 'that is me' }
    }
    const member = this.init.members.get(subject)
    if (member == null || isGone(member)) {
      return { status: RegistryResponse.Status.OK }
    }
    // a report is a reason to look, not a verdict: a false one must not evict a live node
    if (await this.init.check(subject)) {
      this.init.log('%p reported %p dead, but it answered', reporter, subject)
      return { status: RegistryResponse.Status.ALIVE, error: 'it answered a ping' }
    }
    this.registrations.delete(subject.toString())
    this.init.declareDead(subject, `reported by ${reporter.toString()} and unreachable`)
    return { status: RegistryResponse.Status.OK }
  }

  /**
   * Registers with `peer`; rejects with JoinRefusedError if it refuses this node. Overlapping registrations with
   * one peer (at start, and on connecting) share one request, so a refusal reaches both.
   */
  private async register (peer: PeerId): Promise<void> {
    const key = peer.toString()
    let registration = this.registering.get(key)
    if (registration == null) {
      registration = this.requestRegistration(peer).finally(() => { this.registering.delete(key) })
      this.registering.set(key, registration)
    }
    return registration
  }

  private async requestRegistration (peer: PeerId): Promise<void> {
    const { response } = await this.init.registry.ask(peer, this.request(RegistryRequest.Kind.REGISTER),
      { signal: AbortSignal.timeout(this.init.requestTimeout) })
    switch (response.status) {
      case RegistryResponse.Status.OK:
        this.registeredWith.add(peer.toString())
        if (!this.joined) {
          this.joined = true
          this.peersAtJoin = response.peers
          this.init.onJoined(peer)
        }
        if (response.certificate != null) {
          this.init.onCertified(peer, response.certificate)
        }
        return
      case RegistryResponse.Status.NAME_TAKEN:
        throw new JoinRefusedError('name-taken', `${peer.toString()} refused this node: ${response.error ?? 'its name is taken'}`)
      case RegistryResponse.Status.DUPLICATE_KEY:
        throw new JoinRefusedError('duplicate-key', `${peer.toString()} refused this node: ${response.error ?? 'its key is in use'}`)
      default:
        throw new JoinRefusedError('rejected', `${peer.toString()} refused this node: ${response.error ?? response.status}`)
    }
  }

  /** A request about this node: who it is, and which start of it. */
  private request (kind: RegistryRequest.Kind): RegistryRequest {
    const self = this.init.describeSelf()
    return {
      kind,
      name: self.name,
      role: roleToWire<RegistryRole>(self.role),
      addresses: self.multiaddrs.slice(0, MAX_ADDRESSES).map(ma => ma.bytes),
      nonce: this.init.nonce()
    }
  }

  private connectedBootstraps (): PeerId[] {
    return this.init.libp2p.getPeers().filter(peer => this.isBootstrap(peer))
  }

  /**
   * The connected bootstraps; with none connected, the live bootstraps of the view, which a request dials. A node
   * whose own bootstraps all died could otherwise check no sender it has not seen vouched for, and refused their
   * broadcasts (seen in the several-bootstraps test: a node given only the dead bootstrap missed a broadcast).
   */
  private bootstrapsToAsk (): PeerId[] {
    const connected = this.connectedBootstraps()
    if (connected.length > 0) {
      return connected
    }
    return this.init.members.live().filter(member => member.role === 'bootstrap' && member.state === 'alive').map(member => member.peerId)
  }

  /**
   * Registers with the connected bootstraps this node is not registered with, for a node not yet joined: a
   * registration that failed on a connection that stayed up (a timeout, a reset stream) is not retried on connect.
   */
  retryRegistrations (): void {
    if (this.joined) {
      return
    }
    for (const peer of this.connectedBootstraps()) {
      if (!this.registeredWith.has(peer.toString()) && !this.registering.has(peer.toString())) {
        this.registerInBackground(peer)
      }
    }
  }

  private onConnect (evt: CustomEvent<PeerId>): void {
    const peer = evt.detail
    if (!this.isBootstrap(peer) || this.registeredWith.has(peer.toString())) {
      return
    }
    this.registerInBackground(peer)
  }

  private registerInBackground (peer: PeerId): void {
    this.register(peer).catch(err => {
      if (err.name === JoinRefusedError.name) {
        this.init.onRefused(err)
        return
      }
      this.init.log('registering with %p failed: %s', peer, err.message)
      const address = this.init.bootstraps.find(ma => ma.getPeerId() === peer.toString())
      if (address != null) this.init.onBootstrapFailed(address, err)
    })
  }

  private onDisconnect (evt: CustomEvent<PeerId>): void {
    // a bootstrap that comes back (restarted, or after a partition) is registered with again
    this.registeredWith.delete(evt.detail.toString())
  }
}
