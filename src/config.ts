/**
 * createNode()'s options. Each one is written once, in OPTIONS: its doc, its default and its check; NodeInit (what
 * createNode() accepts), NodeConfig (what the parts get), DEFAULTS and the CLI's checks all come from there.
 */
import { isIP } from 'node:net'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { InvalidOptionError } from './errors.js'
import { parseCidr } from './protection/same-site.js'
import type { RateLimits } from './protection/peer-guard.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

export type Role = 'bootstrap' | 'peer'

/** One option: how a given value is checked and converted, and the value when none is given. */
interface Option<In, Out> {
  /** Throws InvalidOptionError naming `option` (or a field of it) when `value` is not acceptable. */
  read: (value: unknown, option: string) => Out
  /** The default, which may depend on the node's role. */
  fallback: (role: Role) => Out
  /** Only a type: what createNode() accepts for it. */
  readonly accepts?: In
}

export interface HttpConfig {
  port: number
  host: string
  token?: string
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/
const PREFIX = /^[a-z0-9][a-z0-9._-]{0,63}$/
const TOKEN = /^[\x21-\x7e]{8,256}$/
const HTTP_HOST = '127.0.0.1'
const RATE_LIMITS: RateLimits = {
  broadcastsPerSecond: 50,
  directPerSecond: 100,
  requestsPerSecond: 50,
  announcementsPerSecond: 20,
  subscriptionsPerSecond: 5
}

/** Every option of createNode(), with its doc, default and check. */
const OPTIONS = {
  /** 'bootstrap' serves the registry and stays out of the broadcast mesh; 'peer' is an ordinary node. @default 'peer' */
  role: option<Role, Role>(readRole, 'peer'),
  /** A human-friendly name, 1-64 of `A-Z a-z 0-9 . _ -`. @default 'bootstrap', or 'node-' plus the end of the peer id */
  name: option<string, string | undefined>(readName, undefined),
  /** Multiaddrs to listen on. @default ['/ip4/127.0.0.1/tcp/0'] (loopback, a free port) */
  listen: option<string[], string[]>(readListen, ['/ip4/127.0.0.1/tcp/0']),
  /** Multiaddrs to announce instead of the listen addresses (for NAT or containers). @default none */
  announce: option<string[], string[]>((value, name) => multiaddrs(value, name).map(String), []),
  /** Bootstrap multiaddrs, each ending in `/p2p/<peer id>`. @default none (a bootstrap node needs none) */
  bootstrap: option<string[], Multiaddr[]>(readBootstrap, []),
  /** The node's identity. @default a new Ed25519 key, unless `keyFile` is given */
  privateKey: option<PrivateKey, PrivateKey | undefined>((value) => value as PrivateKey, undefined),
  /** A file holding the node's key; created (mode 0600) if missing, so the peer id survives restarts. */
  keyFile: option<string, string | undefined>(readPath, undefined),
  /** Start the node before returning it. @default true */
  start: option<boolean, boolean>(readBoolean, true),
  /** Prefix of every protocol id and topic; nodes with different prefixes form separate networks. @default 'p2p-node' */
  protocolPrefix: option<string, string>(readPrefix, 'p2p-node'),
  /** Connections to other peers (not bootstraps) that discovery keeps: a mesh degree of 4, plus peers for gossip and slack. @default 8 */
  targetConnections: integer(8, 1, 1000),
  /** Dials that discovery runs at once (dialing everything at once collapses on one host). @default 2 */
  maxParallelDials: integer(2, 1, 64),
  /** libp2p's connection limit. @default 300 for a peer, 2000 for a bootstrap */
  maxConnections: integer((role) => role === 'bootstrap' ? 2000 : 300, 1, 100_000),
  /** Largest payload of one broadcast or direct message, in bytes. @default 65536 */
  maxMessageBytes: integer(64 * 1024, 1, 4 * 1024 * 1024),
  /** Deadline of one request to another node (status, peer exchange, direct message ack), in ms. @default 10000 */
  requestTimeout: integer(10_000, 10, 600_000),
  /** How often a node asks its peers for more peers once it has enough connections, in ms. @default 30000 */
  peerExchangeInterval: integer(30_000, 100, 86_400_000),
  /**
   * How often a node announces that it is alive, in ms (give or take 20%). Past 5 members it stretches in
   * steps (x 2 up to 10 members, x 3 up to 15, ...), so that heartbeat traffic stays about constant. @default 5000
   */
  heartbeatInterval: integer(5_000, 100, 600_000),
  /** Heartbeats a member may miss before it is suspect. @default 3 */
  suspectAfter: integer(3, 1, 100),
  /** Heartbeats a member may miss before it is dead; more than `suspectAfter`. @default 6 */
  deadAfter: integer(6, 2, 1000),
  /**
   * How often each connected peer is pinged, in ms; 3 failed pings in a row drop it. A ping fails after 2.5 s or
   * half this interval, whichever is longer. @default 5000
   */
  pingInterval: integer(5_000, 100, 600_000),
  /**
   * gossipsub's own heartbeat, in ms: mesh upkeep (grafting after a peer is lost) and IHAVE gossip to peers outside
   * the mesh. Each one sends several RPCs per node; a big swarm on one machine runs it slower. @default 1000
   * (gossipsub's)
   */
  gossipHeartbeatInterval: integer(1_000, 100, 600_000),
  /** Peer ids that may order a network shutdown. @default the bootstraps' peer ids (a bootstrap's own included) */
  operators: option<string[], PeerId[] | undefined>(readPeerIds, undefined),
  /**
   * A broadcast or direct message sent longer ago than this, by its sender's clock (or as far ahead), is refused as
   * a possible replay; message ids are remembered this long, in ms. @default 60000
   */
  replayWindow: integer(60_000, 1_000, 600_000),
  /**
   * What one peer may make this node do, per second (a burst of twice as many is allowed); past it, requests are
   * refused and the peer collects strikes, and enough strikes ban it. @default broadcastsPerSecond 50,
   * directPerSecond 100, requestsPerSecond 50 (per protocol), announcementsPerSecond 20, subscriptionsPerSecond 5
   */
  rateLimits: option<Partial<RateLimits>, RateLimits>(readRateLimits, RATE_LIMITS),
  /** How long a peer banned for misbehaving is kept out, in ms. @default 600000 (10 minutes) */
  banDuration: integer(600_000, 1_000, 30 * 86_400_000),
  /**
   * Serve the local HTTP control API and dashboard (see docs/http-api.md) on `port` (0: any free port) at `host`
   * (default 127.0.0.1). With `token`, every request but GET /health must carry `Authorization: Bearer <token>`.
   * @default no HTTP API
   */
  http: option<{ port: number, host?: string, token?: string }, HttpConfig | undefined>(readHttp, undefined),
  /**
   * Networks (`10.0.0.0/8`, `fd00::/8`, or single addresses) whose peers count as one site with this node: they skip
   * libp2p's per-host connection limits and gossipsub's penalty for many peers on one IP. Loopback and this host's
   * own addresses always count; name networks only where many nodes share one address that is not this host's,
   * e.g. containers behind one NAT. @default none
   */
  trustedNetworks: option<string[], string[]>(readNetworks, [])
}

type Options = typeof OPTIONS

/** Options of createNode(). Every one is optional. */
export type NodeInit = { [K in keyof Options]?: Options[K] extends Option<infer In, unknown> ? In : never }

/** createNode()'s options once checked and completed. */
export type NodeConfig = { [K in keyof Options]: Options[K] extends Option<unknown, infer Out> ? Out : never }

/** Every default, as a peer node has it; a bootstrap's connection limit, and the HTTP API's host besides. */
export const DEFAULTS = {
  ...defaults('peer'),
  maxConnectionsPeer: OPTIONS.maxConnections.fallback('peer'),
  maxConnectionsBootstrap: OPTIONS.maxConnections.fallback('bootstrap'),
  httpHost: HTTP_HOST
}

/** Names are 1-64 of `A-Z a-z 0-9 . _ -`: printable, unambiguous in a CLI line, and never a multiaddr or path. */
export function isValidName (name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name)
}

/** HTTP API tokens are 8-256 printable ASCII characters without spaces: they go in a header as they are. */
export function isValidToken (token: unknown): token is string {
  return typeof token === 'string' && TOKEN.test(token)
}

/** Whether `host` is a loopback address: only this machine can reach a server bound to it. */
export function isLoopback (host: string): boolean {
  return isIP(host) === 4 ? host.startsWith('127.') : host === '::1'
}

/** The peer ids of bootstrap multiaddrs (resolveConfig has checked that each one names its peer). */
export function peerIdsOf (bootstrap: Multiaddr[]): Set<string> {
  return new Set(bootstrap.map(ma => ma.getPeerId() ?? ''))
}

/** Checks createNode()'s options once, at the boundary, naming the bad option and what it accepts. */
export function resolveConfig (init: NodeInit = {}): NodeConfig {
  if (init == null || typeof init !== 'object' || Array.isArray(init)) {
    throw new InvalidOptionError('init', 'must be an object of options')
  }
  const given = init as Record<string, unknown>
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(OPTIONS, key)) {
      throw new InvalidOptionError(key, `unknown option; known options are ${Object.keys(OPTIONS).join(', ')}`)
    }
  }
  // the role first: other defaults depend on it
  const role = given.role === undefined ? OPTIONS.role.fallback('peer') : OPTIONS.role.read(given.role, 'role')
  const config: Record<string, unknown> = {}
  for (const [key, { read, fallback }] of Object.entries(OPTIONS) as Array<[string, Option<unknown, unknown>]>) {
    config[key] = given[key] === undefined ? fallback(role) : read(given[key], key)
  }
  const checked = config as NodeConfig
  if (checked.privateKey != null && checked.keyFile != null) {
    throw new InvalidOptionError('keyFile', 'give either privateKey or keyFile, not both')
  }
  if (checked.deadAfter <= checked.suspectAfter) {
    throw new InvalidOptionError('deadAfter', `must be more than suspectAfter (${checked.suspectAfter})`)
  }
  return checked
}

/** `fallback` is the default, or a function of the role for a default that depends on it (no option's value is a function). */
function option<In, Out> (read: (value: unknown, option: string) => Out, fallback: Out | ((role: Role) => Out)): Option<In, Out> {
  return {
    read,
    // a copy each time, so that no node changes another's default
    fallback: (role) => structuredClone(typeof fallback === 'function' ? (fallback as (role: Role) => Out)(role) : fallback)
  }
}

function integer (fallback: number | ((role: Role) => number), min: number, max: number): Option<number, number> {
  return option((value, name) => readInteger(value, name, min, max), fallback)
}

function defaults (role: Role): { [K in keyof Options]: NodeConfig[K] } {
  return Object.fromEntries(Object.entries(OPTIONS).map(([key, { fallback }]) => [key, fallback(role)])) as NodeConfig
}

function readInteger (value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return value
}

function readRole (value: unknown, name: string): Role {
  if (value !== 'bootstrap' && value !== 'peer') {
    throw new InvalidOptionError(name, `must be 'bootstrap' or 'peer', got ${JSON.stringify(value)}`)
  }
  return value
}

function readName (value: unknown, name: string): string {
  if (!isValidName(value)) {
    throw new InvalidOptionError(name, `must be 1-64 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(value)}`)
  }
  return value
}

function readPath (value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidOptionError(name, 'must be a file path')
  }
  return value
}

function readBoolean (value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidOptionError(name, 'must be true or false')
  }
  return value
}

function readPrefix (value: unknown, name: string): string {
  if (typeof value !== 'string' || !PREFIX.test(value)) {
    throw new InvalidOptionError(name, 'must be 1-64 characters of a-z 0-9 . _ -, starting with a letter or digit')
  }
  return value
}

function readListen (value: unknown, name: string): string[] {
  const listen = multiaddrs(value, name).map(String)
  if (listen.length === 0) {
    throw new InvalidOptionError(name, 'must hold at least one multiaddr')
  }
  return listen
}

function readBootstrap (value: unknown, name: string): Multiaddr[] {
  const bootstrap = multiaddrs(value, name)
  for (const ma of bootstrap) {
    if (ma.getPeerId() == null) {
      throw new InvalidOptionError(name, `${ma.toString()} has no /p2p/<peer id> at its end; copy the whole address the bootstrap printed`)
    }
  }
  return bootstrap
}

function multiaddrs (value: unknown, name: string): Multiaddr[] {
  return list(value, name, 'multiaddr strings').map(item => {
    try {
      return multiaddr(item)
    } catch (err) {
      throw new InvalidOptionError(name, `${item} is not a valid multiaddr (${(err as Error).message})`)
    }
  })
}

function readPeerIds (value: unknown, name: string): PeerId[] {
  return list(value, name, 'peer id strings').map(item => {
    try {
      return peerIdFromString(item)
    } catch {
      throw new InvalidOptionError(name, `${item} is not a peer id`)
    }
  })
}

function readNetworks (value: unknown, name: string): string[] {
  return list(value, name, 'networks such as "10.0.0.0/8"').map(item => {
    const cidr = parseCidr(item)
    if (cidr == null) {
      throw new InvalidOptionError(name, `${item} is not an IP network (e.g. 10.0.0.0/8, fd00::/8 or 192.168.1.7)`)
    }
    return `${cidr.address}/${cidr.prefix}`
  })
}

/** An array of strings, or InvalidOptionError saying it must be one of `what`. */
function list (value: unknown, name: string, what: string): string[] {
  if (!Array.isArray(value)) {
    throw new InvalidOptionError(name, `must be an array of ${what}`)
  }
  for (const item of value) {
    if (typeof item !== 'string') {
      throw new InvalidOptionError(name, `must be an array of ${what}, got ${JSON.stringify(item)}`)
    }
  }
  return value
}

function readRateLimits (value: unknown, name: string): RateLimits {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(name, 'must be an object of limits per second')
  }
  const given = value as Record<string, unknown>
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(RATE_LIMITS, key)) {
      throw new InvalidOptionError(`${name}.${key}`, `unknown limit; known limits are ${Object.keys(RATE_LIMITS).join(', ')}`)
    }
  }
  const limits = { ...RATE_LIMITS }
  for (const key of Object.keys(RATE_LIMITS) as Array<keyof RateLimits>) {
    if (given[key] !== undefined) {
      limits[key] = readInteger(given[key], `${name}.${key}`, 1, 1_000_000)
    }
  }
  return limits
}

function readHttp (value: unknown, name: string): HttpConfig {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(name, 'must be { port, host?, token? }')
  }
  const { port, host = HTTP_HOST, token, ...unknown } = value as Record<string, unknown>
  const extra = Object.keys(unknown)[0]
  if (extra != null) {
    throw new InvalidOptionError(`${name}.${extra}`, 'unknown option; known options are port, host, token')
  }
  if (typeof host !== 'string' || isIP(host) === 0) {
    throw new InvalidOptionError(`${name}.host`, `must be an IPv4 or IPv6 address, got ${JSON.stringify(host)}`)
  }
  if (token !== undefined && !isValidToken(token)) {
    throw new InvalidOptionError(`${name}.token`, 'must be 8-256 printable characters without spaces')
  }
  return { port: readInteger(port, `${name}.port`, 0, 65535), host, token }
}
