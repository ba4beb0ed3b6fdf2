/**
 * The test's own little internet, built from Linux network namespaces: one namespace per host, each with one veth
 * into a bridge that lives in a "switch" namespace of its own. Nothing is added to the machine's own network
 * namespace: its interfaces, routes and firewall stay untouched, and the addresses (10.77.0.0/24) exist only inside
 * the namespaces created here. Faults are iptables rules in each host's own namespace, in a chain of ours
 * (P2PNET, jumped to from INPUT), so they disappear with the namespace even if a run is killed.
 */
import { execFileSync, spawnSync } from 'node:child_process'

/** Every namespace this suite creates starts with this; a leftover from a killed run is found and removed by it. */
export const PREFIX = 'p2pnet-'
export const SWITCH = `${PREFIX}sw`
export const SUBNET = '10.77.0'
/** The controller host: the test driver runs here, and reaches every node's HTTP API over the bridge. */
export const CONTROLLER = { ns: `${PREFIX}ctl`, ip: `${SUBNET}.254` }
/** Our iptables chain in each host namespace; emptying it heals every fault. */
const CHAIN = 'P2PNET'
/** A deadline for each command, so that a wedged `ip` or `iptables` cannot hang the suite. */
const COMMAND_TIMEOUT = 15_000

export interface Host {
  ns: string
  ip: string
}

function run (command: string, args: string[], input?: string): string {
  return execFileSync(command, args, { encoding: 'utf8', timeout: COMMAND_TIMEOUT, input, stdio: ['pipe', 'pipe', 'pipe'] })
}

/** Runs `args` inside namespace `ns`. */
export function inNs (ns: string, args: string[], input?: string): string {
  return run('ip', ['netns', 'exec', ns, ...args], input)
}

/**
 * Why this machine cannot run the suite, or undefined if it can: root, `ip netns`, and iptables (inside a namespace,
 * with the statistic match the lossy-link scenario needs) must all work. Probed with a throwaway namespace.
 */
export function unsupportedReason (): string | undefined {
  if (process.getuid?.() !== 0) {
    return 'not root: network namespaces need root'
  }
  const probe = `${PREFIX}probe`
  try {
    run('ip', ['netns', 'add', probe])
  } catch (err: any) {
    return `\`ip netns add\` failed: ${String(err.stderr ?? err.message).trim().split('\n')[0]}`
  }
  try {
    inNs(probe, ['iptables', '-A', 'INPUT', '-m', 'statistic', '--mode', 'random', '--probability', '0.1', '-j', 'DROP'])
    return undefined
  } catch (err: any) {
    return err.code === 'ENOENT' || /exec of "iptables" failed/.test(String(err.stderr))
      ? 'iptables is not installed (apt-get install iptables)'
      : `iptables does not work inside a namespace: ${String(err.stderr ?? err.message).trim().split('\n')[0]}`
  } finally {
    spawnSync('ip', ['netns', 'del', probe], { timeout: COMMAND_TIMEOUT })
  }
}

/** The namespaces a run of this suite left, this one's or a killed one's. */
export function ourNamespaces (): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: COMMAND_TIMEOUT }).stdout ?? ''
  return out.split('\n').map(line => line.split(' ')[0]).filter(ns => ns.startsWith(PREFIX))
}

/** The pids of processes inside namespace `ns`. */
export function pidsIn (ns: string): number[] {
  const out = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: COMMAND_TIMEOUT }).stdout ?? ''
  return out.split('\n').filter(line => /^\d+$/.test(line.trim())).map(Number)
}

/**
 * Removes everything a run created: kills the processes still inside our namespaces (all started by this suite:
 * nothing else lives there), then deletes the namespaces. Deleting a namespace takes its veth, addresses and
 * iptables rules with it. Safe to call twice, and after a run that was killed.
 */
export function destroyNetwork (): { namespaces: number, killed: number } {
  const namespaces = ourNamespaces()
  let killed = 0
  for (const ns of namespaces) {
    for (const pid of pidsIn(ns)) {
      try {
        process.kill(pid, 'SIGKILL')
        killed++
      } catch {}
    }
  }
  for (const ns of namespaces) {
    spawnSync('ip', ['netns', 'del', ns], { timeout: COMMAND_TIMEOUT })
  }
  return { namespaces: namespaces.length, killed }
}

/** The switch namespace with its bridge, then one namespace per host, each wired into the bridge. */
export function createNetwork (hosts: Host[]): void {
  run('ip', ['netns', 'add', SWITCH])
  inNs(SWITCH, ['ip', 'link', 'add', 'br0', 'type', 'bridge'])
  inNs(SWITCH, ['ip', 'link', 'set', 'br0', 'up'])
  for (const [i, host] of hosts.entries()) {
    // the switch's end is named by index: interface names are at most 15 characters
    const port = `port${i}`
    run('ip', ['netns', 'add', host.ns])
    run('ip', ['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.ns])
    run('ip', ['link', 'set', port, 'netns', SWITCH])
    inNs(SWITCH, ['ip', 'link', 'set', port, 'master', 'br0', 'up'])
    inNs(host.ns, ['ip', 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0'])
    inNs(host.ns, ['ip', 'link', 'set', 'eth0', 'up'])
    inNs(host.ns, ['ip', 'link', 'set', 'lo', 'up'])
    inNs(host.ns, ['iptables-restore', '--noflush'], `*filter\n:${CHAIN} - [0:0]\n-A INPUT -j ${CHAIN}\nCOMMIT\n`)
  }
}

/** Replaces host `ns`'s fault rules by `rules` (iptables rule specs without `-A CHAIN`); [] heals it. */
export function setRules (ns: string, rules: string[]): void {
  const lines = [`-F ${CHAIN}`, ...rules.map(rule => `-A ${CHAIN} ${rule}`)]
  inNs(ns, ['iptables-restore', '--noflush'], `*filter\n${lines.join('\n')}\nCOMMIT\n`)
}

/** The rules in host `ns`'s chain, as `iptables -S` prints them: to prove that a heal left none. */
export function listRules (ns: string): string[] {
  return inNs(ns, ['iptables', '-S', CHAIN]).split('\n').filter(line => line.startsWith(`-A ${CHAIN}`))
}

/**
 * Cuts the hosts of `a` from those of `b`: each drops every packet that comes from the other side. Dropping on
 * input at both ends cuts both directions, and a dial across the cut times out rather than being refused, as
 * with a real network partition. The controller stays reachable from both sides.
 */
export function partition (a: Host[], b: Host[]): void {
  for (const [side, other] of [[a, b], [b, a]]) {
    for (const host of side) {
      setRules(host.ns, other.map(peer => `-s ${peer.ip} -j DROP`))
    }
  }
}

/**
 * Each host drops this share of the packets it receives, at random: every direction of every link loses that
 * share. The controller's own traffic (HTTP requests that drive and watch the nodes) is spared, so that the
 * figures measure the network, not the measuring.
 */
export function loss (hosts: Host[], probability: number): void {
  for (const host of hosts) {
    setRules(host.ns, [`! -s ${CONTROLLER.ip} -m statistic --mode random --probability ${probability} -j DROP`])
  }
}

export function heal (hosts: Host[]): void {
  for (const host of hosts) {
    setRules(host.ns, [])
  }
}

/**
 * Who lives where: bootstraps at .1 and .2, peers from .11, then spare hosts for nodes that join later; the
 * same-site scenarios' two hosts at .240 and .241.
 */
export function hostPlan (peers: number, spare = 2): { bootstraps: Host[], peers: Host[], spare: Host[], site: Host, far: Host } {
  if (peers < 4 || peers + spare > 200) throw new Error(`between 4 and ${200 - spare} peer nodes, not ${peers}`)
  const host = (name: string, last: number): Host => ({ ns: `${PREFIX}${name}`, ip: `${SUBNET}.${last}` })
  const peer = (i: number): Host => host(`n${String(i + 1).padStart(2, '0')}`, 11 + i)
  return {
    bootstraps: [host('b1', 1), host('b2', 2)],
    peers: Array.from({ length: peers }, (_, i) => peer(i)),
    spare: Array.from({ length: spare }, (_, i) => peer(peers + i)),
    site: host('site', 240),
    far: host('far', 241)
  }
}
