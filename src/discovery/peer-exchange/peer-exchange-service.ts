import { peerDiscoverySymbol } from '@libp2p/interface'
import { TypedEventEmitter } from 'main-event'
import { isValidName } from '../../config.js'
import { MAX_DECLARED_INTERVAL, MIN_DECLARED_INTERVAL, NONCE_BYTES } from '../../membership/announcements.js'
import { MAX_CERTIFICATE_BYTES } from '../../verification/certificate.js'
import { RequestResponse, hostOf } from '../../wire/request-response.js'
import { readMultiaddrs, readPeerId, roleFromWire, roleToWire } from '../../wire/fields.js'
import { fromString as fromHex } from 'uint8arrays/from-string'
import { toString as toHex } from 'uint8arrays/to-string'
import { MemberState as WireState, PeerExchangeRequest, PeerExchangeResponse, Role as WireRole, type PeerRecord } from './pb/peer-exchange.js'
import { MAX_ADDRESSES_PER_PEER, MAX_FRAME_BYTES, MAX_PAGES, MAX_PEERS_PER_ANSWER, MAX_STREAMS, PROTOCOL_NAME, PROTOCOL_VERSION } from './constants.js'
import type { Role } from '../../config.js'
import type { AddressManager, ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Hearsay, MemberList, MemberState } from '../../membership/members.js'
import type { PeerGuard } from '../../protection/peer-guard.js'
import type { ComponentLogger, Logger, PeerDiscovery, PeerDiscoveryEvents, PeerId, Startable } from '@libp2p/interface'

export interface SelfDescription {
  name: string
  role: Role
  multiaddrs: Multiaddr[]
}

export interface PeerExchangeInit {
  protocolPrefix: string
  timeout: number
  members: MemberList
  /**
   * Whether `peer` is in this node's view or is one of its bootstraps. Only such a peer is believed about others, and
   * recorded when it asks: a stranger that connects must not put itself, or anyone, into the view.
   */
  knows: (peer: PeerId) => boolean
  /** What this node tells the peers it asks about itself, besides its addresses. */
  self: Omit<SelfDescription, 'multiaddrs'>
  /**
   * How long an announcement may take to reach every node (gossipsub's seen TTL: an older one is refused). A member
   * known for longer is settled: a node that has not heard of it by then never will by its JOIN.
   */
  settleAge: number
  /** Limits each peer's requests (requestsPerSecond) and counts its malformed ones. */
  guard: PeerGuard
}

export interface PeerExchangeComponents {
  peerId: PeerId
  addressManager: AddressManager
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

/**
 * Serves and asks `/<prefix>/peer-exchange/1.0.0`. The asker describes itself (name, role, addresses); the
 * answering node records it under the stream's authenticated peer id if it already knows it (a stranger is answered
 * but not recorded), and answers with a random sample of the live members it knows (or, paging, all of them:
 * bootstraps sync their views this way). Newly learned peers are
 * announced as libp2p peer discovery events, so they land in the peer store and in `peer:discovery`.
 */
export class PeerExchangeService extends TypedEventEmitter<PeerDiscoveryEvents> implements PeerDiscovery, Startable {
  readonly [peerDiscoverySymbol] = this
  readonly [Symbol.toStringTag] = 'p2p-node:peer-exchange'
  private readonly components: PeerExchangeComponents
  private readonly requests: RequestResponse<PeerExchangeRequest, PeerExchangeResponse>
  private readonly members: MemberList
  private readonly knows: PeerExchangeInit['knows']
  private readonly settleAge: number
  private readonly self: PeerExchangeInit['self']
  private readonly log: Logger
  private started = false

  constructor (components: PeerExchangeComponents, init: PeerExchangeInit) {
    super()
    this.components = components
    this.members = init.members
    this.knows = init.knows
    this.settleAge = init.settleAge
    this.self = init.self
    this.log = components.logger.forComponent('p2p-node:peer-exchange')
    this.requests = new RequestResponse<PeerExchangeRequest, PeerExchangeResponse>(hostOf(components), {
      protocol: `/${init.protocolPrefix}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`,
      request: { encode: PeerExchangeRequest.encode, decode: (frame) => PeerExchangeRequest.decode(frame, { limits: { addresses: MAX_ADDRESSES_PER_PEER } }) },
      response: {
        encode: PeerExchangeResponse.encode,
        decode: (frame) => PeerExchangeResponse.decode(frame, { limits: { peers: MAX_PEERS_PER_ANSWER, peers$: { addresses: MAX_ADDRESSES_PER_PEER } } })
      },
      maxFrameBytes: MAX_FRAME_BYTES,
      maxStreams: MAX_STREAMS,
      timeout: init.timeout,
      guard: init.guard,
      malformed: () => ({ status: PeerExchangeResponse.Status.REJECTED, peers: [], error: 'malformed request' }),
      logName: 'p2p-node:peer-exchange'
    })
  }

  /** The protocol id, `/<prefix>/peer-exchange/1.0.0`. */
  get protocol (): string {
    return this.requests.protocol
  }

  async start (): Promise<void> {
    if (this.started) {
      return
    }
    await this.requests.serve((request, connection) => this.answer(request, connection.remotePeer))
    this.started = true
  }

  async stop (): Promise<void> {
    await this.requests.unserve()
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  /**
   * Asks `peer` for the peers it knows, and records them. Resolves with the number of peers new to this node, and
   * the number of settled live members `peer` knows (itself included), if it said.
   */
  async exchange (peer: PeerId, options: { signal?: AbortSignal, findName?: string } = {}): Promise<ExchangeResult> {
    const { added, settledMembers } = await this.ask(peer, options)
    return { added, settledMembers }
  }

  /** Pages through every live member `peer` knows, recording them all. Resolves with the number new to this node. */
  async exchangeAll (peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<number> {
    let added = 0
    let offset: number | undefined = 0
    for (let page = 0; offset != null && page < MAX_PAGES; page++) {
      const answer: { added: number, nextOffset?: number } = await this.ask(peer, { ...options, offset })
      added += answer.added
      offset = answer.nextOffset
    }
    return added
  }

  private describeSelf (): SelfDescription {
    return { ...this.self, multiaddrs: this.components.addressManager.getAddresses() }
  }

  private async ask (peer: PeerId, options: { signal?: AbortSignal, findName?: string, offset?: number }): Promise<ExchangeResult & { nextOffset?: number }> {
    const self = this.describeSelf()
    const { response } = await this.requests.ask(peer, {
      name: self.name,
      role: roleToWire<WireRole>(self.role),
      addresses: self.multiaddrs.slice(0, MAX_ADDRESSES_PER_PEER).map(ma => ma.bytes),
      limit: MAX_PEERS_PER_ANSWER,
      findName: options.findName,
      offset: options.offset
    }, { signal: options.signal })
    if (response.status !== PeerExchangeResponse.Status.OK) {
      throw new Error(`peer exchange refused by ${peer.toString()}: ${response.error ?? response.status}`)
    }
    if (!this.knows(peer)) {
      this.log('ignored the %d peers %p gave: it is not in this node\'s view', response.peers.length, peer)
      return { added: 0, nextOffset: response.nextOffset }
    }
    const { nextOffset, settledMembers } = response
    let added = 0
    const now = Date.now()
    for (const record of response.peers) {
      const known = fromRecord(record, now)
      if (known == null || known.peerId.equals(this.components.peerId)) {
        continue
      }
      if (this.members.hearsay(known, now)) {
        added++
        this.safeDispatchEvent('peer', { detail: { id: known.peerId, multiaddrs: known.multiaddrs } })
      }
    }
    this.log.trace('%p gave %d peers, %d new', peer, response.peers.length, added)
    return { added, nextOffset, settledMembers }
  }

  /** Live members known for longer than settleAge, this node included. */
  private settledMembers (now: number): number {
    let settled = 1
    for (const member of this.members.live()) {
      if (now - member.firstSeen > this.settleAge) settled++
    }
    return settled
  }

  /** The answer to `asker`'s request: this node and a sample of the members it knows, or a page of them. */
  private answer (request: PeerExchangeRequest, asker: PeerId): PeerExchangeResponse {
    if (!isValidName(request.name)) {
      return { status: PeerExchangeResponse.Status.REJECTED, peers: [], error: 'invalid name' }
    }
    const isNew = this.knows(asker) && this.members.hearsay({
      peerId: asker,
      name: request.name,
      role: roleFromWire(request.role),
      multiaddrs: readMultiaddrs(request.addresses),
      lastSeen: Date.now()
    })
    if (isNew) {
      this.safeDispatchEvent('peer', { detail: { id: asker, multiaddrs: readMultiaddrs(request.addresses) } })
    }
    const limit = Math.min(request.limit === 0 ? MAX_PEERS_PER_ANSWER : request.limit, MAX_PEERS_PER_ANSWER)
    const now = Date.now()
    const settledMembers = this.settledMembers(now)
    const self: Hearsay = { ...this.describeSelf(), peerId: this.components.peerId, lastSeen: now }
    if (request.offset != null) {
      // the first page starts with this node itself, which its view does not hold: one member fewer, so that the
      // answer stays within the limit the asker decodes with
      const size = request.offset === 0 ? limit - 1 : limit
      const page = this.members.page(request.offset, size)
      const nextOffset = page.length === size ? request.offset + size : undefined
      const peers = request.offset === 0 ? [self, ...page] : page
      return { status: PeerExchangeResponse.Status.OK, peers: peers.map(peer => toRecord(peer, now)), nextOffset, settledMembers }
    }
    const peers = [self, ...this.members.sample(limit - 1, asker)]
    const wanted = request.findName == null ? undefined : this.members.findByName(request.findName)
    if (wanted != null && !peers.some(peer => peer.peerId.equals(wanted.peerId))) {
      peers[peers.length === limit ? limit - 1 : peers.length] = wanted
    }
    return { status: PeerExchangeResponse.Status.OK, peers: peers.map(peer => toRecord(peer, now)), settledMembers }
  }
}

export interface ExchangeResult {
  /** Peers new to this node. */
  added: number
  /** The live members the answering node has known for longer than its settle age, itself included, if it said. */
  settledMembers?: number
}

const STATE_TO_WIRE: Record<MemberState, WireState> = { alive: WireState.ALIVE, suspect: WireState.SUSPECT, dead: WireState.DEAD, left: WireState.LEFT }
const STATE_FROM_WIRE: Record<string, MemberState> = { [WireState.ALIVE]: 'alive', [WireState.SUSPECT]: 'suspect', [WireState.DEAD]: 'dead', [WireState.LEFT]: 'left' }

function toRecord (peer: Hearsay, now: number): PeerRecord {
  return {
    peerId: peer.peerId.toMultihash().bytes,
    name: peer.name,
    role: roleToWire<WireRole>(peer.role),
    addresses: peer.multiaddrs.slice(0, MAX_ADDRESSES_PER_PEER).map(ma => ma.bytes),
    seenMsAgo: Math.max(0, Math.min(now - peer.lastSeen, 0xffff_ffff)),
    state: STATE_TO_WIRE[peer.state ?? 'alive'],
    nonce: peer.nonce == null || peer.nonce === '' ? new Uint8Array() : fromHex(peer.nonce, 'base16'),
    seq: peer.seq ?? 0,
    intervalMs: peer.heartbeatInterval ?? 0,
    certificate: peer.certificate?.signature,
    certifiedBy: peer.certificate?.issuer.toMultihash().bytes
  }
}

/** A record from the wire, or undefined when its peer id or every address is unreadable. */
function fromRecord (record: PeerRecord, now: number): Hearsay | undefined {
  const peerId = readPeerId(record.peerId)
  const multiaddrs = readMultiaddrs(record.addresses)
  if (peerId == null || multiaddrs.length === 0 || !isValidName(record.name)) {
    return undefined
  }
  const issuer = record.certifiedBy == null ? undefined : readPeerId(record.certifiedBy)
  const certificate = issuer != null && record.certificate != null && record.certificate.byteLength <= MAX_CERTIFICATE_BYTES
    ? { issuer, signature: record.certificate }
    : undefined
  return {
    peerId,
    name: record.name,
    role: roleFromWire(record.role),
    multiaddrs,
    lastSeen: now - record.seenMsAgo,
    state: STATE_FROM_WIRE[record.state] ?? 'alive',
    nonce: record.nonce.byteLength === NONCE_BYTES ? toHex(record.nonce, 'base16') : undefined,
    seq: record.seq,
    heartbeatInterval: record.intervalMs >= MIN_DECLARED_INTERVAL && record.intervalMs <= MAX_DECLARED_INTERVAL ? record.intervalMs : undefined,
    certificate
  }
}
