// The Docker test's eyes: asks the nodes' HTTP APIs (published on 127.0.0.1) and waits for a condition, polling
// until a deadline. One process per check, so that a poll over 20+ nodes costs one Node start, not one per curl.
//   probe.mjs converged SECONDS EXPECTED PORT...      every node sees EXPECTED-1 others alive (peers: and is ready)
//   probe.mjs broadcast PORT TEXT                     prints the message id
//   probe.mjs delivered SECONDS ID PORT...            every node's GET /messages has the message
//   probe.mjs state SECONDS PEER_ID STATES PORT...    every node's view has PEER_ID in one of STATES (comma-separated)
//   probe.mjs info PORT                               prints "<peer id> <name> <multiaddrs>" from GET /status
//   probe.mjs memory PORT...                          resident and heap memory of the nodes' processes (GET /metrics)
// Prints one line (what held and how long it took, or the last reason it did not) and exits 0 or 1. Times count from
// PROBE_SINCE (ms since the epoch, e.g. when a container was killed) when it is set, else from the probe's start.
// Uses P2P_HTTP_TOKEN for the Authorization header. "unknown" is the state of a member a node does not list
// (never heard of, or a tombstone forgotten a minute after its death).
const [command, ...rest] = process.argv.slice(2)
const headers = process.env.P2P_HTTP_TOKEN ? { authorization: `Bearer ${process.env.P2P_HTTP_TOKEN}` } : {}

async function api (port, path, body, type = 'json') {
  // a timer of our own, not AbortSignal.timeout(): that one is unref'd, and a stuck fetch with nothing else
  // holding the event loop made Node 20 exit with code 13 (unsettled top-level await) instead of timing out
  const controller = new AbortController()
  const timer = setTimeout(() => { controller.abort(new Error(`${port}${path}: no answer within 5 s`)) }, 5000)
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: body == null ? 'GET' : 'POST',
      headers,
      body: body == null ? undefined : JSON.stringify(body),
      signal: controller.signal
    })
    if (!res.ok) throw new Error(`${port}${path}: ${res.status} ${(await res.json()).error}`)
    return await (type === 'json' ? res.json() : res.text())
  } finally {
    clearTimeout(timer)
  }
}

/** Polls check() (resolving to a reason it does not hold yet, or null) every 250 ms until it holds or time is up. */
async function waitFor (what, seconds, check) {
  const start = Number(process.env.PROBE_SINCE || Date.now())
  let reason = 'not checked'
  while (true) {
    reason = await check().catch(err => err.message)
    if (reason == null) {
      console.log(`${what}: ${((Date.now() - start) / 1000).toFixed(1)} s`)
      return 0
    }
    if (Date.now() - start > seconds * 1000) break
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  console.log(`${what}: not within ${seconds} s: ${reason}`)
  return 1
}

/** The first reason any port fails check(port), or null when all pass. */
async function everyPort (ports, check) {
  const reasons = await Promise.all(ports.map(port => check(port).catch(err => `${port}: ${err.message}`)))
  return reasons.find(reason => reason != null) ?? null
}

const commands = {
  async converged (seconds, expected, ...ports) {
    return waitFor(`${ports.length} nodes converged`, seconds, () => everyPort(ports, async (port) => {
      const [{ members }, health] = await Promise.all([api(port, '/members'), api(port, '/health')])
      const alive = members.filter(m => m.state === 'alive').length
      if (alive !== Number(expected) - 1) return `${port} (${health.name}) sees ${alive} alive, not ${expected - 1}`
      if (health.role === 'peer' && !health.ready) return `${port} (${health.name}) not in the broadcast mesh yet`
      return null
    }))
  },
  async broadcast (port, text) {
    const { id, recipients } = await api(port, '/broadcast', { msg: text })
    console.log(id)
    process.stderr.write(`broadcast ${id} from port ${port}: ${recipients} recipients\n`)
    return 0
  },
  async delivered (seconds, id, ...ports) {
    return waitFor(`message reached ${ports.length} nodes`, seconds, () => everyPort(ports, async (port) => {
      const { messages } = await api(port, '/messages?limit=1000')
      return messages.some(m => m.id === id) ? null : `${port} has not got it`
    }))
  },
  async state (seconds, peerId, states, ...ports) {
    const wanted = states.split(',')
    return waitFor(`${ports.length} nodes see ${peerId.slice(-6)} ${states}`, seconds, () => everyPort(ports, async (port) => {
      const { members } = await api(port, '/members')
      const state = members.find(m => m.peerId === peerId)?.state ?? 'unknown'
      return wanted.includes(state) ? null : `${port} sees it ${state}`
    }))
  },
  async memory (...ports) {
    const metric = (text, name) => Number(text.match(new RegExp(`^${name} (\\S+)`, 'm'))?.[1] ?? NaN) / 2 ** 20
    const texts = await Promise.all(ports.map(port => api(port, '/metrics', undefined, 'text')))
    const rss = texts.map(text => metric(text, 'process_resident_memory_bytes'))
    const heap = texts.map(text => metric(text, 'nodejs_heap_size_used_bytes'))
    const mean = values => (values.reduce((a, b) => a + b, 0) / values.length).toFixed(0)
    console.log(`node processes: RSS mean ${mean(rss)} MiB (max ${Math.max(...rss).toFixed(0)}), heap used mean ${mean(heap)} MiB`)
    return rss.every(Number.isFinite) ? 0 : 1
  },
  async info (port) {
    const status = await api(port, '/status')
    console.log(`${status.peerId} ${status.name} ${status.multiaddrs.join(',')}`)
    return 0
  }
}

if (commands[command] == null) {
  console.error(`probe.mjs: unknown command "${command}"`)
  process.exit(2)
}
process.exit(await commands[command](...rest).catch((err) => { console.log(`${command}: ${err.message}`); return 1 }))
