import { isIP } from 'node:net'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { InvalidOptionError } from './errors.js'
import { parseCidr } from './protection/same-site.js'
import { peerIdFromString } from '@libp2p/peer-id'
import type { RateLimits } from './protection/peer-guard.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

export type Role = 'bootstrap' | 'peer'

/** Options of createNode(). Every one is optional; the defaults are below. */
export interface NodeInit {
  /** 'bootstrap' serves the registry and stays out of the broadcast mesh; 'peer' is an ordinary node. Default: 'peer'. */
  role?: Role
  /** A human-friendly name, 1-64 of `A-Z a-z 0-9 . _ -`. Default: 'bootstrap', or 'node-' plus the end of the peer id. */
  name?: string
  /** Multiaddrs to listen on. Default: `['/ip4/127.0.0.1/tcp/0']` (loopback, a free port). */
  listen?: string[]
  /** Multiaddrs to announce instead of the listen addresses (for NAT or containers). Default: none. */
  announce?: string[]
  /** Bootstrap multiaddrs, each ending in `/p2p/<peer id>`. Default: none (a bootstrap node needs none). */
  bootstrap?: string[]
  /** The node's identity. Default: a new Ed25519 key, unless `keyFile` is given. */
  privateKey?: PrivateKey
  /** A file holding the node's key; created (mode 0600) if missing, so the peer id survives restarts. */
  keyFile?: string
  /** Start the node before returning it. Default: true. */
  start?: boolean
  /** Prefix of every protocol id and topic; nodes with different prefixes form separate networks. Default: 'p2p-node'. */
  protocolPrefix?: string
  /** Connections to other peers (not bootstraps) that discovery keeps. Default: 8 (a mesh degree of 4, plus peers for gossip and slack). */
  targetConnections?: number
  /** Dials that discovery runs at once. Default: 2 (dialing everything at once collapses on one host). */
  maxParallelDials?: number
  /** libp2p's connection limit. Default: 300 for a peer, 2000 for a bootstrap. */
  maxConnections?: number
  /** Largest payload of one broadcast or direct message, in bytes. Default: 65536. */
  maxMessageBytes?: number
  /** Deadline of one request to another node (status, peer exchange, direct message ack), in ms. Default: 10000. */
  requestTimeout?: number
  /** How often a node asks its peers for more peers once it has enough connections, in ms. Default: 30000. */
  peerExchangeInterval?: number
  /**
   * How often a node announces that it is alive, in ms (give or take 20%). Past 5 members it stretches in
   * steps (x 2 up to 10 members, x 3 up to 15, ...), so that heartbeat traffic stays about constant. Default: 5000.
   */
  heartbeatInterval?: number
  /** Heartbeats a member may miss before it is suspect. Default: 3. */
  suspectAfter?: number
  /** Heartbeats a member may miss before it is dead. Default: 6. */
  deadAfter?: number
  /**
   * How often each connected peer is pinged, in ms; 3 failed pings in a row drop it. A ping fails after 2.5 s or
   * half this interval, whichever is longer. Default: 5000.
   */
  pingInterval?: number
  /**
   * gossipsub's own heartbeat, in ms: mesh upkeep (grafting after a peer is lost) and IHAVE gossip to peers outside
   * the mesh. Each one sends several RPCs per node; a big swarm on one machine runs it slower. Default: 1000
   * (gossipsub's).
   */
  gossipHeartbeatInterval?: number
  /**
   * Peer ids that may order a network shutdown. Default: the bootstraps' peer ids (a bootstrap's own included).
   */
  operators?: string[]
  /**
   * A broadcast or direct message sent longer ago than this, by its sender's clock (or as far ahead), is refused as
   * a possible replay; message ids are remembered this long. Default: 60000 ms.
   */
  replayWindow?: number
  /**
   * What one peer may make this node do, per second (a burst of twice as many is allowed); past it, requests are
   * refused and the peer collects strikes, and enough strikes ban it. Defaults: broadcastsPerSecond 50,
   * directPerSecond 100, requestsPerSecond 50 (per protocol), announcementsPerSecond 20, subscriptionsPerSecond 5.
   */
  rateLimits?: Partial<RateLimits>
  /** How long a peer banned for misbehaving is kept out, in ms. Default: 600000 (10 minutes). */
  banDuration?: number
  /**
   * Serve the local HTTP control API and dashboard (see docs/http-api.md) on `port` (0: any free port) at `host`
   * (default 127.0.0.1). With `token`, every request but GET /health must carry `Authorization: Bearer <token>`.
   * Default: no HTTP API.
   */
  http?: { port: number, host?: string, token?: string }
  /**
   * Networks (`10.0.0.0/8`, `fd00::/8`, or single addresses) whose peers count as one site with this node: they skip
   * libp2p's per-host connection limits and gossipsub's penalty for many peers on one IP. Loopback and this host's
   * own addresses always count; name networks only where many nodes share one address that is not this host's,
   * e.g. containers behind one NAT. Default: none.
   */
  trustedNetworks?: string[]
}

export interface HttpConfig {
  port: number
  host: string
  token?: string
}

/** Every default, in one place. */
export const DEFAULTS = {
  role: 'peer' as Role,
  listen: ['/ip4/127.0.0.1/tcp/0'],
  protocolPrefix: 'p2p-node',
  targetConnections: 8,
  maxParallelDials: 2,
  maxConnectionsPeer: 300,
  maxConnectionsBootstrap: 2000,
  maxMessageBytes: 64 * 1024,
  requestTimeout: 10_000,
  peerExchangeInterval: 30_000,
  heartbeatInterval: 5_000,
  suspectAfter: 3,
  deadAfter: 6,
  pingInterval: 5_000,
  gossipHeartbeatInterval: 1_000,
  replayWindow: 60_000,
  rateLimits: {
    broadcastsPerSecond: 50,
    directPerSecond: 100,
    requestsPerSecond: 50,
    announcementsPerSecond: 20,
    subscriptionsPerSecond: 5
  },
  banDuration: 600_000,
  httpHost: '127.0.0.1'
} as const

/** createNode()'s options once checked and completed. */
export interface NodeConfig {
  role: Role
  name?: string
  listen: string[]
  announce: string[]
  bootstrap: Multiaddr[]
  privateKey?: PrivateKey
  keyFile?: string
  start: boolean
  protocolPrefix: string
  targetConnections: number
  maxParallelDials: number
  maxConnections: number
  maxMessageBytes: number
  requestTimeout: number
  peerExchangeInterval: number
  heartbeatInterval: number
  suspectAfter: number
  deadAfter: number
  pingInterval: number
  gossipHeartbeatInterval: number
  /** Given explicitly; absent means the default (the bootstraps). */
  operators?: PeerId[]
  replayWindow: number
  rateLimits: RateLimits
  banDuration: number
  http?: HttpConfig
  trustedNetworks: string[]
}

const KNOWN_OPTIONS = new Set<string>([
  'role', 'name', 'listen', 'announce', 'bootstrap', 'privateKey', 'keyFile', 'start', 'protocolPrefix',
  'targetConnections', 'maxParallelDials', 'maxConnections', 'maxMessageBytes', 'requestTimeout', 'peerExchangeInterval',
  'heartbeatInterval', 'suspectAfter', 'deadAfter', 'pingInterval', 'gossipHeartbeatInterval', 'operators', 'replayWindow',
  'rateLimits', 'banDuration', 'http', 'trustedNetworks'
])

const NAME = /^[A-Za-z0-9._-]{1,64}$/

/** Names are 1-64 of `A-Z a-z 0-9 . _ -`: printable, unambiguous in a CLI line, and never a multiaddr or path. */
export function isValidName (name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name)
}
const PREFIX = /^[a-z0-9][a-z0-9._-]{0,63}$/

/** The peer ids of bootstrap multiaddrs (resolveConfig has checked that each one names its peer). */
export function peerIdsOf (bootstrap: Multiaddr[]): Set<string> {
  return new Set(bootstrap.map(ma => ma.getPeerId() ?? ''))
}

/** Checks createNode()'s options once, at the boundary, naming the bad option and what it accepts. */
export function resolveConfig (init: NodeInit = {}): NodeConfig {
  if (init == null || typeof init !== 'object' || Array.isArray(init)) {
    throw new InvalidOptionError('init', 'expected an object of options')
  }
  for (const key of Object.keys(init)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new InvalidOptionError(key, `unknown option; known options are ${[...KNOWN_OPTIONS].join(', ')}`)
    }
  }
  const role = init.role ?? DEFAULTS.role
  if (role !== 'bootstrap' && role !== 'peer') {
    throw new InvalidOptionError('role', `expected 'bootstrap' or 'peer', got ${JSON.stringify(role)}`)
  }
  if (init.name !== undefined && !isValidName(init.name)) {
    throw new InvalidOptionError('name', 'expected 1-64 characters of A-Z a-z 0-9 . _ -')
  }
  if (init.privateKey != null && init.keyFile != null) {
    throw new InvalidOptionError('keyFile', 'give either privateKey or keyFile, not both')
  }
  if (init.keyFile !== undefined && (typeof init.keyFile !== 'string' || init.keyFile === '')) {
    throw new InvalidOptionError('keyFile', 'expected a file path')
  }
  if (init.start !== undefined && typeof init.start !== 'boolean') {
    throw new InvalidOptionError('start', 'expected a boolean')
  }
  const protocolPrefix = init.protocolPrefix ?? DEFAULTS.protocolPrefix
  if (typeof protocolPrefix !== 'string' || !PREFIX.test(protocolPrefix)) {
    throw new InvalidOptionError('protocolPrefix', 'expected 1-64 characters of a-z 0-9 . _ -, starting with a letter or digit')
  }
  const listen = multiaddrList('listen', init.listen ?? [...DEFAULTS.listen]).map(ma => ma.toString())
  if (listen.length === 0) {
    throw new InvalidOptionError('listen', 'expected at least one multiaddr')
  }
  const bootstrap = multiaddrList('bootstrap', init.bootstrap ?? [])
  for (const ma of bootstrap) {
    if (ma.getPeerId() == null) {
      throw new InvalidOptionError('bootstrap', `${ma.toString()} has no /p2p/<peer id> at its end`)
    }
  }
  const suspectAfter = integer('suspectAfter', init.suspectAfter, DEFAULTS.suspectAfter, 1, 100)
  const deadAfter = integer('deadAfter', init.deadAfter, DEFAULTS.deadAfter, 2, 1000)
  if (deadAfter <= suspectAfter) {
    throw new InvalidOptionError('deadAfter', `must be more than suspectAfter (${suspectAfter})`)
  }
  return {
    role,
    name: init.name,
    listen,
    announce: multiaddrList('announce', init.announce ?? []).map(ma => ma.toString()),
    bootstrap,
    privateKey: init.privateKey,
    keyFile: init.keyFile,
    start: init.start ?? true,
    protocolPrefix,
    targetConnections: integer('targetConnections', init.targetConnections, DEFAULTS.targetConnections, 1, 1000),
    maxParallelDials: integer('maxParallelDials', init.maxParallelDials, DEFAULTS.maxParallelDials, 1, 64),
    maxConnections: integer('maxConnections', init.maxConnections,
      role === 'bootstrap' ? DEFAULTS.maxConnectionsBootstrap : DEFAULTS.maxConnectionsPeer, 1, 100_000),
    maxMessageBytes: integer('maxMessageBytes', init.maxMessageBytes, DEFAULTS.maxMessageBytes, 1, 4 * 1024 * 1024),
    requestTimeout: integer('requestTimeout', init.requestTimeout, DEFAULTS.requestTimeout, 10, 600_000),
    peerExchangeInterval: integer('peerExchangeInterval', init.peerExchangeInterval, DEFAULTS.peerExchangeInterval, 100, 86_400_000),
    heartbeatInterval: integer('heartbeatInterval', init.heartbeatInterval, DEFAULTS.heartbeatInterval, 100, 600_000),
    suspectAfter,
    deadAfter,
    pingInterval: integer('pingInterval', init.pingInterval, DEFAULTS.pingInterval, 100, 600_000),
    gossipHeartbeatInterval: integer('gossipHeartbeatInterval', init.gossipHeartbeatInterval, DEFAULTS.gossipHeartbeatInterval, 100, 600_000),
    operators: init.operators === undefined ? undefined : peerIdList('operators', init.operators),
    replayWindow: integer('replayWindow', init.replayWindow, DEFAULTS.replayWindow, 1_000, 600_000),
    rateLimits: rateLimits(init.rateLimits),
    banDuration: integer('banDuration', init.banDuration, DEFAULTS.banDuration, 1_000, 30 * 86_400_000),
    http: httpConfig(init.http),
    trustedNetworks: networkList('trustedNetworks', init.trustedNetworks ?? [])
  }
}

const TOKEN = /^[\x21-\x7e]{8,256}$/

/** HTTP API tokens are 8-256 printable ASCII characters without spaces: they go in a header as they are. */
export function isValidToken (token: unknown): token is string {
  return typeof token === 'string' && TOKEN.test(token)
}

function httpConfig (value: unknown): HttpConfig | undefined {
  if (value === undefined) {
    return undefined
  }
  if (value == null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError('http', 'expected { port, host?, token? }')
  }
  const { port, host = DEFAULTS.httpHost, token, ...unknown } = value as Record<string, unknown>
  const extra = Object.keys(unknown)[0]
  if (extra != null) {
    throw new InvalidOptionError(`http.${extra}`, 'unknown option; known options are port, host, token')
  }
  if (typeof host !== 'string' || isIP(host) === 0) {
    throw new InvalidOptionError('http.host', `expected an IPv4 or IPv6 address, got ${JSON.stringify(host)}`)
  }
  if (token !== undefined && !isValidToken(token)) {
    throw new InvalidOptionError('http.token', 'expected 8-256 printable characters without spaces')
  }
  // the port is required: undefined would take integer()'s fallback, null fails its check
  return { port: integer('http.port', port ?? null, 0, 0, 65535), host, token }
}

/** Whether `host` is a loopback address: only this machine can reach a server bound to it. */
export function isLoopback (host: string): boolean {
  return isIP(host) === 4 ? host.startsWith('127.') : host === '::1'
}

function rateLimits (value: unknown): RateLimits {
  if (value === undefined) {
    return { ...DEFAULTS.rateLimits }
  }
  if (value == null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError('rateLimits', 'expected an object of limits per second')
  }
  const given = value as Record<string, unknown>
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULTS.rateLimits)) {
      throw new InvalidOptionError(`rateLimits.${key}`, `unknown limit; known limits are ${Object.keys(DEFAULTS.rateLimits).join(', ')}`)
    }
  }
  const limits: Partial<RateLimits> = {}
  for (const key of Object.keys(DEFAULTS.rateLimits) as Array<keyof RateLimits>) {
    limits[key] = integer(`rateLimits.${key}`, given[key], DEFAULTS.rateLimits[key], 1, 1_000_000)
  }
  return limits as RateLimits
}

function peerIdList (option: string, value: unknown): PeerId[] {
  if (!Array.isArray(value)) {
    throw new InvalidOptionError(option, 'expected an array of peer id strings')
  }
  return value.map(item => {
    try {
      return peerIdFromString(String(item))
    } catch {
      throw new InvalidOptionError(option, `${JSON.stringify(item)} is not a peer id`)
    }
  })
}

function networkList (option: string, value: unknown): string[] {
  if (!Array.isArray(value)) {
    throw new InvalidOptionError(option, 'expected an array of networks such as "10.0.0.0/8"')
  }
  return value.map(item => {
    const cidr = typeof item === 'string' ? parseCidr(item) : undefined
    if (cidr == null) {
      throw new InvalidOptionError(option, `${JSON.stringify(item)} is not an IP network (e.g. "10.0.0.0/8", "fd00::/8" or "192.168.1.7")`)
    }
    return `${cidr.address}/${cidr.prefix}`
  })
}

function multiaddrList (option: string, value: unknown): Multiaddr[] {
  if (!Array.isArray(value)) {
    throw new InvalidOptionError(option, 'expected an array of multiaddr strings')
  }
  return value.map(item => {
    if (typeof item !== 'string') {
      throw new InvalidOptionError(option, `expected multiaddr strings, got ${typeof item}`)
    }
    try {
      return multiaddr(item)
    } catch (err) {
      throw new InvalidOptionError(option, `${JSON.stringify(item)} is not a multiaddr (${(err as Error).message})`)
    }
  })
}

function integer (option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) {
    return fallback
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return value
}
