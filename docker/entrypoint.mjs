// The container's entry point: `entrypoint.mjs bootstrap|node [CLI flags...]`. It fills in what a container cannot
// know in advance, then runs the CLI in this same process (so tini's SIGTERM reaches the CLI's own handler):
// - P2P_ANNOUNCE: the container's own address, so peers are told /ip4/<container ip>/tcp/<port>, not 127.0.0.1;
// - P2P_BOOTSTRAP from P2P_BOOTSTRAP_URL (comma-separated, e.g. http://bootstrap:5000): each bootstrap's peer id
//   is read from its GET /health, which needs no token, so no key or peer id is ever copied by hand.
import { lookup } from 'node:dns/promises'
import { hostname, networkInterfaces } from 'node:os'
import { isIPv4 } from 'node:net'

const env = process.env
const [role = 'node', ...args] = process.argv.slice(2)
if (role !== 'bootstrap' && role !== 'node') {
  process.stderr.write(`entrypoint: the first argument must be "bootstrap" or "node", got "${role}"\n`)
  process.exit(2)
}

/** A flag's value from the command line, else from its P2P_ variable (the CLI's own precedence). */
function setting (flag, fallback) {
  const at = args.indexOf(`--${flag}`)
  return at >= 0 ? args[at + 1] : (env[`P2P_${flag.toUpperCase().replace(/-/g, '_')}`] || fallback)
}

/**
 * The container's address on its network: what its own hostname resolves to (Docker, Swarm and Kubernetes all map
 * it to the primary network's address in /etc/hosts), else the first IPv4 address of a real interface.
 */
async function containerAddress () {
  const byName = await lookup(hostname(), { family: 4 }).catch(() => undefined)
  if (byName != null && !byName.address.startsWith('127.')) return byName.address
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find(a => a.family === 'IPv4' && !a.internal)
    if (found != null) return found.address
  }
  return undefined
}

/** Polls a bootstrap's GET /health until it answers 200 with its peer id, or the deadline passes. */
async function bootstrapAddress (url, deadline) {
  const host = new URL(url).hostname
  const port = env.P2P_BOOTSTRAP_PORT || '4001'
  while (Date.now() < deadline) {
    try {
      const res = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(2000) })
      const body = await res.json()
      if (res.status === 200 && typeof body.peerId === 'string') {
        // a name, not an address: if the bootstrap's container comes back elsewhere, the redial finds it
        return `/${isIPv4(host) ? 'ip4' : 'dns4'}/${host}/tcp/${port}/p2p/${body.peerId}`
      }
    } catch {}
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  return undefined
}

if (setting('announce') == null) {
  const ip = await containerAddress()
  if (ip != null) env.P2P_ANNOUNCE = `/ip4/${ip}/tcp/${setting('port', '4001')}`
}

const urls = (env.P2P_BOOTSTRAP_URL ?? '').split(/[\s,]+/).filter(url => url !== '')
if (urls.length > 0) {
  // a node waits for its bootstraps (compose starts them together); a bootstrap only glances at its siblings,
  // since two bootstraps waiting for each other would never start
  const waitSeconds = Number(env.P2P_BOOTSTRAP_WAIT || (role === 'node' ? 120 : 5))
  const deadline = Date.now() + waitSeconds * 1000
  const found = (await Promise.all(urls.map(url => bootstrapAddress(url, deadline)))).filter(ma => ma != null)
  for (const ma of found) process.stdout.write(`entrypoint: bootstrap ${ma}\n`)
  if (found.length === 0 && role === 'node') {
    process.stderr.write(`entrypoint: no bootstrap answered at ${urls.join(', ')} within ${waitSeconds} s\n`)
    process.exit(1)
  }
  env.P2P_BOOTSTRAP = [env.P2P_BOOTSTRAP, ...found].filter(Boolean).join(',')
}

process.argv = [process.argv[0], process.argv[1], ...args]
await import(new URL(`../dist/${role === 'bootstrap' ? 'bootstrap' : 'node'}.js`, import.meta.url).href)
