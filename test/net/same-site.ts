/**
 * Scenarios on hosts of their own, run before the shared network starts: many node processes on one host with the
 * CLI's defaults, and a second host that must still meet every per-host limit unless an operator trusts it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CliProcess, waitFor } from '../helpers.ts'
import { sleep } from './cluster.ts'
import type { Host } from './netns.ts'
import type { Figure } from './report.ts'
import type { Scenario } from './scenarios.ts'

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))
/** Node processes of the one-host scenario: the figure, and what 2 cores start without starving. */
const ONE_HOST_NODES = 30
const ONE_HOST_IDLE_S = 120
/** Peers from one remote address: past gossipsub's colocation threshold (10) by enough to pass the graylist (-80). */
const FAR_NODES = 20
/** Connections of a flood, opened at once: libp2p allows a host 5 a second and 10 pending. */
const FLOOD = 40
/** How long to watch for a ban that must not come, once every remote peer is in: several gossipsub heartbeats. */
const NO_BAN_WINDOW = 10_000

export interface SameSiteHosts {
  /** A host with a non-loopback address, where one bootstrap and many nodes run with the CLI's defaults. */
  site: Host
  /** Another host on the same bridge. */
  far: Host
}

export function oneHost (hosts: SameSiteHosts, dir: string): Scenario {
  return {
    name: `one host, ${ONE_HOST_NODES} processes, default flags`,
    standalone: true,
    async run (_ctx, rec) {
      const out = join(dir, 'one-host.json')
      const proc = new CliProcess(here('one-host.ts'), ['--nodes', String(ONE_HOST_NODES), '--idle', String(ONE_HOST_IDLE_S), '--out', out], { netns: hosts.site.ns })
      const { code } = await Promise.race([
        proc.exited,
        sleep(10 * 60_000).then(() => { proc.kill(); throw new Error('one-host.ts did not finish within 10 minutes') })
      ])
      const result = JSON.parse(readFileSync(out, 'utf8')) as { figures: Figure[], notes: string[], error?: string }
      rec.figures.push(...result.figures)
      for (const note of result.notes) rec.note(note)
      if (result.error != null) throw new Error(result.error)
      if (code !== 0 && !rec.failed) throw new Error(`one-host.ts exited with ${code}: ${proc.errors.slice(-3).join(' ')}`)
    }
  }
}

export function remoteLimits (hosts: SameSiteHosts): Scenario {
  return {
    name: 'remote hosts keep the per-host limits',
    standalone: true,
    async run (_ctx, rec) {
      const started: CliProcess[] = []
      const start = (script: string, args: string[], host: Host): CliProcess => {
        const proc = new CliProcess(script, args, { netns: host.ns })
        started.push(proc)
        return proc
      }
      const flood = async (from: Host, to: string): Promise<number> => {
        const proc = start(here('far-host.ts'), ['flood', '--to', to, '--count', String(FLOOD)], from)
        return JSON.parse((await proc.waitForLine(/^\{.*\}$/, 20_000))[0]).refused
      }
      /** A bootstrap with the CLI's defaults on the site host; `--trusted-net` extra. */
      const target = async (extra: string[]): Promise<{ proc: CliProcess, addr: string, hostPort: string }> => {
        const proc = start('bootstrap.js', extra, hosts.site)
        const [, addr] = await proc.waitForLine(/--bootstrap (\/ip4\/(?!127\.)\S+)/)
        return { proc, addr, hostPort: `${addr.split('/')[2]}:${addr.split('/')[4]}` }
      }
      const farNodes = async (addr: string): Promise<CliProcess> => {
        const proc = start(here('far-host.ts'), ['nodes', '--bootstrap', addr, '--count', String(FAR_NODES)], hosts.far)
        await proc.waitForLine(new RegExp(`^started ${FAR_NODES}$`), 60_000)
        return proc
      }
      const lines = (proc: CliProcess, pattern: RegExp): number => proc.lines.filter(line => pattern.test(line)).length
      try {
        // untrusted: a flood from the other host is refused, one from this host's own address is not
        let node = await target([])
        const refusedFar = await flood(hosts.far, node.hostPort)
        rec.check(`a flood of ${FLOOD} connections from another host: refused`, refusedFar, `>= ${FLOOD / 2}`, refusedFar >= FLOOD / 2)
        const refusedOwn = await flood(hosts.site, node.hostPort)
        rec.check('the same flood from this host\'s own address: refused', refusedOwn, '0', refusedOwn === 0)
        // more peers from one remote address than gossipsub's colocation threshold: penalised past the graylist
        let far = await farNodes(node.addr)
        const scoreBan = /^\[banned\] .*gossipsub score/
        await waitFor(() => lines(node.proc, scoreBan) > 0, 'a ban for the colocation penalty', 30_000).catch(() => {})
        rec.check(`${FAR_NODES} peers from one remote address: banned for their gossipsub score`, lines(node.proc, scoreBan), '> 0', lines(node.proc, scoreBan) > 0)
        await far.stop('SIGTERM', 20_000)
        await node.proc.stop('SIGTERM', 20_000)

        // trusted: the operator names the other host's network; the same flood and peers are let in
        node = await target(['--trusted-net', `${hosts.far.ip}/32`])
        const refusedTrusted = await flood(hosts.far, node.hostPort)
        rec.check('the flood from a --trusted-net host: refused', refusedTrusted, '0', refusedTrusted === 0)
        far = await farNodes(node.addr)
        const joined = await waitFor(() => lines(node.proc, /^\[join\] far-/) >= FAR_NODES, `all ${FAR_NODES} remote peers to join`, 60_000)
          .then(() => FAR_NODES, () => lines(node.proc, /^\[join\] far-/))
        rec.check('peers from the --trusted-net host joined, through the address printed for other machines', joined, String(FAR_NODES), joined === FAR_NODES)
        await sleep(NO_BAN_WINDOW) // an observation window: bans that must not come
        const bans = lines(node.proc, /^\[banned\]/)
        rec.check(`bans of them within ${NO_BAN_WINDOW / 1000} s`, bans, '0', bans === 0)
      } finally {
        await Promise.all(started.map(async proc => proc.stop('SIGTERM', 20_000).catch(() => { proc.kill() })))
      }
    }
  }
}
