import { parseArgs } from 'node:util'
import { resolveConfig, type NodeInit, type Role } from '../config.js'
import { InvalidOptionError, messageOf, nameOf } from '../errors.js'

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  static override name = 'UsageError'

  constructor (message: string) {
    super(message)
    this.name = UsageError.name
  }
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const
export type LogLevel = typeof LOG_LEVELS[number]

export interface CliOptions {
  help: boolean
  logLevel: LogLevel
  init: NodeInit
}

interface Flag {
  type: 'string' | 'boolean'
  multiple?: boolean
  value?: string
  description: string
  default?: string
  /** The createNode() option it gives (`http.port`: a field of one), whose check it takes. */
  option?: string
}

const COMMON: Record<string, Flag> = {
  host: { type: 'string', option: 'listen', value: 'HOST', description: 'address to listen on (every interface by default, so that other machines can reach the node; 127.0.0.1 keeps it on this machine)', default: '0.0.0.0' },
  announce: { type: 'string', option: 'announce', multiple: true, value: 'MULTIADDR', description: 'address to announce instead of the listen address (repeatable)' },
  operator: { type: 'string', option: 'operators', multiple: true, value: 'PEER_ID', description: 'a peer id allowed to order a network shutdown (repeatable; default: the bootstraps)' },
  'trusted-net': { type: 'string', option: 'trustedNetworks', multiple: true, value: 'CIDR', description: 'a network whose nodes count as one site with this one, spared the per-host limits (repeatable; for many nodes behind one NAT; this host\'s own addresses always count)' },
  'key-file': { type: 'string', option: 'keyFile', value: 'PATH', description: 'keep the node\'s identity in this file (created with mode 0600), so its peer id survives restarts' },
  'log-level': { type: 'string', value: 'LEVEL', description: `one of ${LOG_LEVELS.join(', ')}; debug and trace enable libp2p's debug logs too`, default: 'info' },
  'http-port': { type: 'string', option: 'http.port', value: 'PORT', description: 'serve the HTTP control API and dashboard on this port (0: any free port)', default: 'no HTTP API' },
  'http-host': { type: 'string', option: 'http.host', value: 'HOST', description: 'address the HTTP API listens on', default: '127.0.0.1' },
  'http-token': { type: 'string', option: 'http.token', value: 'TOKEN', description: 'require "Authorization: Bearer TOKEN" on every HTTP request but /health and /ui files (prefer the variable: argv is visible to all)' },
  help: { type: 'boolean', description: 'show this help' }
}

const FLAGS: Record<Role, Record<string, Flag>> = {
  bootstrap: {
    port: { type: 'string', value: 'PORT', description: 'TCP port to listen on (0: any free port)', default: '4001' },
    name: { type: 'string', option: 'name', value: 'NAME', description: 'name of this node', default: 'bootstrap' },
    bootstrap: { type: 'string', option: 'bootstrap', multiple: true, value: 'MULTIADDR', description: 'another bootstrap to share peers with (repeatable)' },
    ...COMMON
  },
  peer: {
    bootstrap: { type: 'string', option: 'bootstrap', multiple: true, value: 'MULTIADDR', description: 'bootstrap multiaddr ending in /p2p/<peer id> (required, repeatable)' },
    name: { type: 'string', option: 'name', value: 'NAME', description: 'name of this node', default: 'node-<end of peer id>' },
    port: { type: 'string', value: 'PORT', description: 'TCP port to listen on (0: any free port)', default: '0' },
    ...COMMON
  }
}

/** Every flag but --help can come from the environment: --http-port from P2P_HTTP_PORT, and so on (for Docker). */
export function envVariable (flag: string): string {
  return `P2P_${flag.toUpperCase().replace(/-/g, '_')}`
}

export function usage (role: Role): string {
  const command = role === 'bootstrap' ? 'npx p2p-bootstrap' : 'npx p2p-node --bootstrap <multiaddr>'
  const script = role === 'bootstrap' ? 'node dist/bootstrap.js' : 'node dist/node.js'
  const lines = [`Usage: ${command} [options]`, `  (or ${script} ... where node is Node.js 22 or newer)`, '', 'Options (each also from the environment variable in brackets; a flag wins over it):']
  for (const [name, flag] of Object.entries(FLAGS[role])) {
    const left = `  --${name}${flag.value != null ? ` ${flag.value}` : ''}`
    const env = flag.type === 'string' ? ` [${envVariable(name)}${flag.multiple === true ? ', comma-separated' : ''}]` : ''
    lines.push(`${left.padEnd(30)} ${flag.description}${flag.default != null ? ` (default: ${flag.default})` : ''}${env}`)
  }
  if (role === 'peer') {
    lines.push('', 'On a terminal, a typed line is broadcast; /msg <name|peer id> <text> sends directly;',
      '/peers, /status and /network print; /help lists the commands; /quit leaves.')
  } else {
    lines.push('', 'On a terminal, /shutdown [reason] orders every node of the network to leave (operators only).')
  }
  return lines.join('\n')
}

/** argv and the environment -> options of createNode(), or a UsageError naming what is wrong. */
export function parseCliArgs (role: Role, argv: string[], env: Record<string, string | undefined> = {}): CliOptions {
  let values: Record<string, unknown>
  try {
    // defaults are applied below, after the environment: a flag wins over a variable, and a variable over a default
    const options = Object.fromEntries(Object.entries(FLAGS[role]).map(([name, { type, multiple }]) => [name, { type, multiple: multiple === true }]))
    ;({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }))
  } catch (err) {
    throw new UsageError(messageOf(err).split('\n')[0])
  }
  if (values.help === true) {
    return { help: true, logLevel: 'info', init: {} }
  }
  const fromEnvironment = new Set<string>()
  for (const [name, flag] of Object.entries(FLAGS[role])) {
    const fromEnv = env[envVariable(name)]
    if (values[name] !== undefined || flag.type !== 'string' || fromEnv == null || fromEnv.trim() === '') {
      continue
    }
    values[name] = flag.multiple === true ? fromEnv.split(/[\s,]+/).filter(item => item !== '') : fromEnv.trim()
    fromEnvironment.add(name)
  }
  try {
    return optionsFrom(role, values)
  } catch (err) {
    // a bad value that came from the environment is named by its variable: the user set no flag
    const flag = nameOf(err) === UsageError.name ? messageOf(err).match(/^--([a-z-]+)/) : null
    if (flag != null && fromEnvironment.has(flag[1])) {
      throw new UsageError(`${envVariable(flag[1])} (from the environment)${messageOf(err).slice(flag[0].length)}`)
    }
    throw err
  }
}

/** The parsed flags -> options of createNode(), checked by createNode()'s own checks, or a UsageError naming the flag. */
function optionsFrom (role: Role, values: Record<string, unknown>): CliOptions {
  const logLevel = (values['log-level'] as string | undefined) ?? 'info'
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  }
  const port = parsePort('--port', values.port as string | undefined ?? FLAGS[role].port.default as string)
  const host = values.host as string | undefined ?? '0.0.0.0'
  const family = host.includes(':') ? 'ip6' : /^[0-9.]+$/.test(host) ? 'ip4' : undefined
  if (family == null) {
    throw new UsageError(`--host must be an IPv4 or IPv6 address, got "${host}"`)
  }
  if (role === 'peer' && values.bootstrap == null) {
    throw new UsageError('--bootstrap is required: give the multiaddr that the bootstrap node printed')
  }
  const init: Record<string, unknown> = { role, listen: [`/${family}/${host}/tcp/${port}`] }
  // the flags that give one option as it is
  for (const [flag, { option }] of Object.entries(FLAGS[role])) {
    if (option != null && option !== 'listen' && !option.includes('.') && values[flag] !== undefined) {
      init[option] = values[flag]
    }
  }
  init.name ??= role === 'bootstrap' ? 'bootstrap' : undefined
  const http = httpOptions(values)
  if (http != null) {
    init.http = http
  }
  try {
    resolveConfig(init)
  } catch (err) {
    const flag = err instanceof InvalidOptionError ? Object.entries(FLAGS[role]).find(([, { option }]) => option === err.option)?.[0] : undefined
    throw flag == null ? err : new UsageError(`--${flag} ${(err as InvalidOptionError).reason}`)
  }
  return { help: false, logLevel: logLevel as LogLevel, init: init as NodeInit }
}

function parsePort (flag: string, value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(`${flag} must be a whole number from 0 to 65535, got "${value}"`)
  }
  return port
}

/** --http-port turns the HTTP API on; --http-host and --http-token only make sense with it. */
function httpOptions (values: Record<string, unknown>): NodeInit['http'] {
  const port = values['http-port'] as string | undefined
  const host = values['http-host'] as string | undefined
  const token = values['http-token'] as string | undefined
  if (port == null) {
    if (host != null || token != null) {
      throw new UsageError(`--http-${host != null ? 'host' : 'token'} needs --http-port`)
    }
    return undefined
  }
  return { port: parsePort('--http-port', port), ...(host != null ? { host } : {}), ...(token != null ? { token } : {}) }
}
