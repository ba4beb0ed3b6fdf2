/**
 * The reliability scenarios. Each one starts from a healthy network (every peer in the mesh, every view complete),
 * does one harm, and records what happened as figures; those with a `required` are its assertions. They share one
 * network, harmless ones first, so that the suite fits in minutes on two cores; the driver rebuilds the network
 * when a scenario left it unhealthy, so that one failure does not fail the rest.
 */
import { type Cluster, type NetNode, type Sent, deliveryOf, sleep, waitFor } from './cluster.ts'
import { heal, listRules, loss, partition, PREFIX, type Host } from './netns.ts'
import type { Recorder } from './report.ts'

export interface Context {
  cluster: Cluster
  /** Bootstrap multiaddrs, in order: nodes are started with both. */
  bootstraps: () => string[]
  /** Hosts still free, for nodes that join during a scenario. */
  spareHosts: Host[]
  random: () => number
  /** The partition's durations in s (20 and 90 by default; --quick shortens them). */
  partitionSeconds: number[]
  log: (line: string) => void
}

export interface Scenario {
  name: string
  /** Runs on hosts of its own, before the shared network starts (which would share its 2 cores). */
  standalone?: boolean
  run: (ctx: Context, rec: Recorder) => Promise<void>
}

/** A broadcast reaches every node that can be reached within this, or it counts as lost. */
const DELIVERY_TIMEOUT = 20_000
/** Under packet loss TCP retransmits with backoff: a message gets longer. */
const LOSSY_DELIVERY_TIMEOUT = 60_000
/** "Within seconds": after a heal, every view must be whole again within this (0.05-0.5 s measured). */
const RECOVERY_LIMIT = 10_000
/** Every dead or restarted member must be seen so in every view within this. */
const VIEW_TIMEOUT = 45_000

const pick = <T>(ctx: Context, items: T[]): T => items[Math.floor(ctx.random() * items.length)]
const hosts = (nodes: NetNode[]): Host[] => nodes.map(node => node.host)

/** Sends `count` broadcasts, `interval` ms apart, each from a node `from()` picks; a refused send is recorded, not thrown. */
async function publish (ctx: Context, count: number, interval: number, label: string,
  from: () => NetNode, expected?: () => NetNode[]): Promise<{ sent: Sent[], refused: string[] }> {
  const sent: Sent[] = []
  const refused: string[] = []
  for (let i = 0; i < count; i++) {
    const node = from()
    try {
      sent.push(await ctx.cluster.broadcast(node, label, expected?.()))
    } catch (err: any) {
      refused.push(`${node.name}: ${err.message}`)
    }
    if (i < count - 1) await sleep(interval)
  }
  return { sent, refused }
}

/** Records a delivery's ratio (asserted to be 100%, refused sends counting as lost) and latencies. */
function recordDelivery (rec: Recorder, label: string, delivery: ReturnType<typeof deliveryOf>, refused: string[] = [], assert = true): boolean {
  const total = delivery.expected + refused.length
  const ratio = total === 0 ? 1 : delivery.deliveries / total
  const detail = `${delivery.deliveries}/${total}`
  const ok = assert
    ? rec.check(`${label}: delivery (${delivery.messages} msgs, ${detail})`, ratio, '100%', ratio === 1, '%')
    : (rec.measure(`${label}: delivery (${delivery.messages} msgs, ${detail})`, ratio, '%'), true)
  if (Number.isFinite(delivery.p95)) {
    rec.measure(`${label}: latency p50`, delivery.p50, 'ms')
    rec.measure(`${label}: latency p95`, delivery.p95, 'ms')
    rec.measure(`${label}: latency max`, delivery.max, 'ms')
  }
  if (delivery.missing.length > 0) rec.note(`${label}: missing ${delivery.missing.join(', ')}`)
  if (refused.length > 0) rec.note(`${label}: sends refused: ${refused.slice(0, 5).join('; ')}`)
  if (delivery.unconfirmed > 0) rec.note(`${label}: ${delivery.unconfirmed} sends had no HTTP answer within 5 s (counted by what arrived)`)
  return ok
}

export const lossyLinks: Scenario = {
  name: 'lossy links',
  async run (ctx, rec) {
    const { cluster } = ctx
    for (const probability of [0.1, 0.3]) {
      const label = `${probability * 100}% loss`
      const all = cluster.running
      const before = await cluster.counters()
      const start = Date.now()
      loss(hosts(all), probability)
      try {
        const { sent, refused } = await publish(ctx, 20, 250, label, () => pick(ctx, cluster.peers))
        recordDelivery(rec, label, await cluster.awaitDelivery(sent, LOSSY_DELIVERY_TIMEOUT), refused)
        rec.measure(`${label}: packets dropped by the rules`, all.reduce((sum, node) => sum + node.droppedPackets(), 0))
      } finally {
        heal(hosts(all))
      }
      // why a broadcast can be lost on a live network: a node that thinks its sender dead ignores it (and does
      // not pass it on); these say how often that happened while the loss was on
      const after = await cluster.counters()
      rec.measure(`${label}: false deaths (a live node declared dead, per view)`, cluster.eventsSince(start, /^\[dead\]/))
      rec.measure(`${label}: broadcasts refused by receivers`, after.refused - before.refused)
      rec.measure(`${label}: bans`, after.bans - before.bans)
      // a loss this heavy can make a node give up on a peer; the next round starts from a whole network again
      const whole = await waitFor(async () => cluster.healthy(), 'a healthy network after the loss', VIEW_TIMEOUT).catch(() => NaN)
      if (Number.isNaN(whole)) {
        rec.note(`${label}: views not whole ${VIEW_TIMEOUT / 1000} s after the loss ended: ${(await cluster.notAlive()).join('; ')}`)
        throw new Error(`the network was not whole ${VIEW_TIMEOUT / 1000} s after the loss ended`)
      }
      rec.measure(`${label}: views whole again after healing`, whole, 'ms')
    }
  }
}

export function partitionAndHeal (seconds: number): Scenario {
  return {
    name: `partition ${seconds} s`,
    async run (ctx, rec) {
      const { cluster } = ctx
      const [b1, b2] = cluster.running.filter(node => node.role === 'bootstrap')
      const peers = cluster.peers
      // one bootstrap on each side, as with two sites
      const a = [b1, ...peers.slice(0, Math.ceil(peers.length / 2))]
      const b = [b2, ...peers.slice(Math.ceil(peers.length / 2))]
      const sideOf = (node: NetNode): NetNode[] => a.includes(node) ? a : b
      const insideOnly = (node: NetNode): NetNode[] => sideOf(node).filter(peer => peer.role === 'peer')
      ctx.log(`  cutting ${a.length} hosts from ${b.length} for ${seconds} s`)
      const cutAt = Date.now()
      partition(hosts(a), hosts(b))
      let healedAt = 0
      const during: Sent[] = []
      const refused: string[] = []
      try {
        // publish on both sides through the partition, one every 2 s; each must reach its own side
        let detectedAt = 0
        let crossAlive = 0
        let revivedAt = 0
        let from = a
        while (Date.now() - cutAt < seconds * 1000 - 1000) {
          const sender = pick(ctx, from.filter(node => node.role === 'peer'))
          await ctx.cluster.broadcast(sender, `partition ${seconds} s, side ${from === a ? 'A' : 'B'}`, insideOnly(sender))
            .then(msg => { during.push(msg) }, err => { refused.push(`${sender.name}: ${err.message}`) })
          from = from === a ? b : a
          crossAlive = await crossSideAlive(cluster, a, b)
          if (detectedAt === 0 && crossAlive === 0) {
            detectedAt = Date.now()
          }
          if (detectedAt !== 0 && crossAlive > 0 && revivedAt === 0) {
            revivedAt = Date.now()
            rec.note(`${Math.round((revivedAt - cutAt) / 1000)} s into the cut, after every view had seen the other side gone: ` +
              `${crossAlive} (observer, member) pairs across the cut alive again`)
          }
          await sleep(2000)
        }
        rec.measure('other side dead in every view after', detectedAt === 0 ? `not within ${seconds} s` : detectedAt - cutAt, 'ms')
        rec.measure('(observer, member) pairs across the cut seen alive just before healing', crossAlive)
        await sleep(Math.max(0, cutAt + seconds * 1000 - Date.now())) // the partition's length is the scenario's parameter
      } finally {
        heal(hosts(cluster.running))
        healedAt = Date.now()
      }
      const leftover = cluster.running.flatMap(node => listRules(node.host.ns))
      rec.check('iptables rules left after healing', leftover.length, '0', leftover.length === 0)
      recordDelivery(rec, 'during, inside each side', await cluster.awaitDelivery(during, DELIVERY_TIMEOUT), refused)

      // after healing: every view whole again, and broadcasts from both sides reach everyone
      const recovered = await waitFor(async () => cluster.everyViewHas('alive'), 'every view whole after healing', RECOVERY_LIMIT)
        .catch(() => NaN)
      if (Number.isNaN(recovered)) rec.note(`views not whole ${RECOVERY_LIMIT / 1000} s after healing: ${(await cluster.notAlive()).join('; ')}`)
      rec.check('every view whole again after healing', Number.isNaN(recovered) ? `not within ${RECOVERY_LIMIT / 1000} s` : recovered,
        `<= ${RECOVERY_LIMIT / 1000} s`, !Number.isNaN(recovered), 'ms')
      const after = await publish(ctx, 6, 250, 'after healing', () => pick(ctx, cluster.peers))
      const delivered = await cluster.awaitDelivery(after.sent, DELIVERY_TIMEOUT)
      recordDelivery(rec, 'after healing', delivered, after.refused)
      rec.measure('heal to first broadcast reaching everyone', firstFullDelivery(after.sent) - healedAt, 'ms')
      // the two halves could be whole again as views yet joined only through the bootstraps, which stay out of the
      // broadcast mesh: then broadcasts cross by gossip alone. Direct links between peers of both sides say which.
      rec.measure('peer-to-peer connections across the healed cut', await crossSideConnections(cluster, a, b))

      // messages sent during the partition, across the cut: measured, not asserted. Nothing of ours backfills them
      // (gossipsub's history is ~5 s); a connection that outlived a short cut still delivers the frames queued on
      // it, by TCP retransmission, once the cut heals.
      const across = during.map(msg => ({ ...msg, expected: cluster.peers.filter(node => node !== msg.from && !msg.expected.includes(node)) }))
      const crossed = deliveryOf(across)
      rec.measure(`sent during the cut, reached the other side after healing (${crossed.deliveries}/${crossed.expected})`, crossed.ratio, '%')
    }
  }
}

/** How many (observer, member) pairs across the cut show the member alive or suspect: 0 once the cut is seen. */
async function crossSideAlive (cluster: Cluster, a: NetNode[], b: NetNode[]): Promise<number> {
  const views = await cluster.views()
  let count = 0
  for (const [side, other] of [[a, b], [b, a]]) {
    for (const observer of side) {
      for (const member of other) {
        const state = views.get(observer)?.get(member.peerId)
        if (state === 'alive' || state === 'suspect') count++
      }
    }
  }
  return count
}

/** Connections between a peer of one side and a peer of the other, as the first side's peers see them. */
async function crossSideConnections (cluster: Cluster, a: NetNode[], b: NetNode[]): Promise<number> {
  const others = new Set(b.filter(node => node.role === 'peer').map(node => node.peerId))
  const counts = await Promise.all(a.filter(node => node.role === 'peer').map(async node =>
    (await node.members().catch(() => [])).filter(member => member.connected && others.has(member.peerId)).length))
  return counts.reduce((sum, n) => sum + n, 0)
}

/** When the first of these broadcasts had reached every node it had to (Infinity if none did). */
function firstFullDelivery (sent: Sent[]): number {
  const times = sent.filter(msg => msg.expected.every(node => node.received.has(msg.text)))
    .map(msg => Math.max(...msg.expected.map(node => node.received.get(msg.text)!.receivedAt)))
  return Math.min(...times)
}

export const restart: Scenario = {
  name: 'restart',
  async run (ctx, rec) {
    const { cluster } = ctx
    const node = pick(ctx, cluster.peers)
    const before = await node.get('/health')
    const killedAt = Date.now()
    await node.kill('SIGKILL')
    rec.measure(`${node.name} killed: gone in every view after`,
      await waitFor(async () => cluster.everyViewHas('gone', [node]), `${node.name} gone in every view`, VIEW_TIMEOUT), 'ms')
    const restartedAt = Date.now()
    await node.start(ctx.bootstraps())
    const after = await node.get('/health')
    rec.check('same peer id after restart', after.peerId === before.peerId ? 'same' : `${before.peerId} -> ${after.peerId}`, 'same', after.peerId === before.peerId)
    rec.check('same name after restart', after.name, before.name, after.name === before.name)
    const back = await waitFor(async () => cluster.everyViewHas('alive', [node]), `${node.name} alive in every view`, VIEW_TIMEOUT).catch(() => NaN)
    rec.check('restart to alive in every view', Number.isNaN(back) ? 'never' : Date.now() - restartedAt, `<= ${VIEW_TIMEOUT / 1000} s`, !Number.isNaN(back), 'ms')
    const views = await cluster.views()
    const names = await Promise.all(cluster.running.filter(other => other !== node).map(async other =>
      (await other.members()).find(member => member.peerId === node.peerId)?.name))
    rec.check('views naming it as before', names.filter(name => name === before.name).length, `${names.length}`, names.every(name => name === before.name))
    rec.check('its own view whole', [...views.get(node)!.values()].filter(state => state === 'alive').length,
      `${cluster.running.length - 1} alive`, await cluster.everyViewHas('alive', undefined, [node]))
    // traffic both ways: from it, and to it
    const { sent, refused } = await publish(ctx, 4, 250, 'restarted node', () => node)
    const other = await publish(ctx, 4, 250, 'to the restarted node', () => pick(ctx, cluster.peers.filter(peer => peer !== node)))
    recordDelivery(rec, 'after restart', await cluster.awaitDelivery([...sent, ...other.sent], DELIVERY_TIMEOUT), [...refused, ...other.refused])
    rec.measure('kill to back in every view', Date.now() - killedAt, 'ms')
  }
}

export const bootstrapFailure: Scenario = {
  name: 'bootstrap failure',
  async run (ctx, rec) {
    const { cluster } = ctx
    const [first, second] = cluster.running.filter(node => node.role === 'bootstrap')
    const killedAt = Date.now()
    await first.kill('SIGKILL')
    rec.measure(`${first.name} killed: gone in every view after`,
      await waitFor(async () => cluster.everyViewHas('gone', [first]), `${first.name} gone in every view`, VIEW_TIMEOUT), 'ms')
    const { sent, refused } = await publish(ctx, 10, 250, 'without bootstrap 1', () => pick(ctx, cluster.peers))
    recordDelivery(rec, 'without bootstrap 1', await cluster.awaitDelivery(sent, DELIVERY_TIMEOUT), refused)

    // a new node that knows only the second bootstrap
    const host = ctx.spareHosts.shift()
    if (host == null) throw new Error('no spare host for the joining node')
    const joiner = cluster.add(host.ns.slice(PREFIX.length), host, 'peer')
    const joinAt = Date.now()
    await joiner.start([second.multiaddr])
    rec.measure(`${joiner.name} started with only ${second.name}: in the mesh after`, Date.now() - joinAt, 'ms')
    const seen = await waitFor(async () => cluster.everyViewHas('alive', [joiner]), `${joiner.name} alive in every view`, VIEW_TIMEOUT).catch(() => NaN)
    rec.check(`${joiner.name} alive in every view`, Number.isNaN(seen) ? 'never' : Date.now() - joinAt, `<= ${VIEW_TIMEOUT / 1000} s`, !Number.isNaN(seen), 'ms')
    const whole = await waitFor(async () => cluster.everyViewHas('alive', undefined, [joiner]), `${joiner.name}'s view whole`, VIEW_TIMEOUT).catch(() => NaN)
    rec.check(`${joiner.name}'s own view whole`, Number.isNaN(whole) ? 'never' : Date.now() - joinAt, `<= ${VIEW_TIMEOUT / 1000} s`, !Number.isNaN(whole), 'ms')
    const fromIt = await publish(ctx, 3, 250, 'from the new node', () => joiner)
    const toIt = await publish(ctx, 3, 250, 'to the new node', () => pick(ctx, cluster.peers.filter(peer => peer !== joiner)))
    recordDelivery(rec, 'new node, both ways', await cluster.awaitDelivery([...fromIt.sent, ...toIt.sent], DELIVERY_TIMEOUT), [...fromIt.refused, ...toIt.refused])
    rec.measure('kill to the new node in every view', Date.now() - killedAt, 'ms')
  }
}

/** Kills this share of the peer nodes at once (rounded up). */
const CHURN = 0.3

export const churn: Scenario = {
  name: 'churn',
  async run (ctx, rec) {
    const { cluster } = ctx
    const peers = cluster.peers
    const victims = [...peers].sort(() => ctx.random() - 0.5).slice(0, Math.ceil(peers.length * CHURN))
    const survivors = peers.filter(node => !victims.includes(node))
    rec.measure('nodes killed', `${victims.length} of ${peers.length}`)
    const fromSurvivor = (): NetNode => pick(ctx, survivors)
    const toSurvivors = (): NetNode[] => survivors
    const counted = await cluster.counters(survivors)
    // publishing goes on through the kill: 3 s before it, then 12 s after, a broadcast every 250 ms
    const before = await publish(ctx, 12, 250, 'before the kill', fromSurvivor, toSurvivors)
    const killedAt = Date.now()
    await Promise.all(victims.map(async node => node.kill('SIGKILL')))
    const publishing = publish(ctx, 48, 250, 'after the kill', fromSurvivor, toSurvivors)
    const detected = await waitFor(async () => cluster.everyViewHas('gone', victims, survivors), 'every victim gone in every survivor\'s view', VIEW_TIMEOUT)
      .catch(() => NaN)
    rec.check('victims gone in every survivor\'s view', Number.isNaN(detected) ? 'never' : Date.now() - killedAt, `<= ${VIEW_TIMEOUT / 1000} s`, !Number.isNaN(detected), 'ms')
    const after = await publishing
    const early = after.sent.filter(msg => msg.sentAt - killedAt < 3000)
    const late = after.sent.filter(msg => msg.sentAt - killedAt >= 3000)
    await cluster.awaitDelivery([...before.sent, ...after.sent], DELIVERY_TIMEOUT)
    recordDelivery(rec, 'sent before the kill', deliveryOf(before.sent), before.refused, false)
    recordDelivery(rec, 'sent 0-3 s after the kill', deliveryOf(early), [], false)
    recordDelivery(rec, 'sent 3 s+ after the kill', deliveryOf(late), after.refused)
    // a survivor that thinks a sender dead or unknown refuses its broadcasts: the first suspect when one is missing
    const now = await cluster.counters(survivors)
    rec.measure('broadcasts refused by survivors', now.refused - counted.refused)
    rec.measure('bans', now.bans - counted.bans)
  }
}
