import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import { waitFor } from '../helpers.ts'
import { Swarm, type RemoteNode } from '../swarm/index.ts'

/** Debian's Chromium (apt-get install chromium); `.ci/run` installs it and sets P2P_REQUIRE_BROWSER=1. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium && process.env.P2P_REQUIRE_BROWSER === '1') {
  throw new Error(`P2P_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`)
}
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url))
/** A bootstrap and 9 peers: 10 nodes drawn. */
const PEERS = 9

describe('the dashboard in headless Chromium', { skip: haveChromium ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)` }, () => {
  const swarm = new Swarm()
  let nodes: RemoteNode[]
  let all: RemoteNode[]
  let browser: Browser
  let page: Page
  const pageErrors: string[] = []

  before(async () => {
    ;({ nodes, all } = await swarm.network(PEERS, { http: { port: 0 } }))
    await waitFor(async () => {
      const snapshots = await swarm.snapshot()
      return all.every(node => snapshots.get(node.key)!.size === PEERS + 1) && nodes.every(node => snapshots.get(node.key)!.meshPeers >= 2)
    }, 'every view complete and every mesh formed', 60_000)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
    })
    // the page's Content-Security-Policy forbids eval; the test's own probes need it
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, bypassCSP: true })
    page.on('pageerror', err => { pageErrors.push(err.message) })
    // offline: the page may load nothing but what its node serves
    await page.route('**/*', async route => route.request().url().startsWith(nodes[0].httpUrl!) ? route.continue() : route.abort())
  })

  after(async () => {
    await browser?.close()
    await swarm.stop()
  })

  it('draws all 10 nodes and their connections, served from the node itself', async () => {
    await page.goto(`${nodes[0].httpUrl}/`, { waitUntil: 'load' }) // a browser at / is sent to /ui
    assert.equal(new URL(page.url()).pathname, '/ui')
    assert.equal(await page.title(), 'p2p-node dashboard')
    await page.waitForFunction(`window.dashboard != null && window.dashboard.nodeCount() === ${PEERS + 1}`, undefined, { timeout: 20_000 })
    for (const node of all) {
      assert.ok(await page.evaluate(`window.dashboard.hasNode(${JSON.stringify(node.name)})`), `${node.name} is drawn`)
    }
    assert.ok(await page.evaluate('window.dashboard.cy.edges().length') as number >= PEERS, 'the connections are drawn')
    await page.waitForFunction(`document.getElementById('network-size').textContent.trim() === '${PEERS + 1}'`, undefined, { timeout: 10_000 })
  })

  it('shows a node\'s status when it is clicked', async () => {
    const target = nodes[4]
    const where = async (): Promise<{ x: number, y: number }> => page.evaluate((name) => {
      const node = (globalThis as any).dashboard.cy.nodes().filter((n: any) => n.data('name') === name)[0]
      return node.renderedPosition()
    }, target.name)
    // the layout animates: click once the nodes stand still
    await page.waitForFunction(() => !(globalThis as any).dashboard.layoutBusy(), undefined, { timeout: 10_000 })
    const position = await where()
    const box = (await page.locator('#graph').boundingBox())!
    await page.mouse.click(box.x + position.x, box.y + position.y)
    const details = page.locator('#node-details')
    await details.getByText(target.peerId).first().waitFor({ timeout: 10_000 })
    await details.getByText('0.1.0').first().waitFor({ timeout: 10_000 }) // its version: the status came from that node
  })

  it('sends a broadcast from the form and sees it in the feed, and it reaches every node', async () => {
    await page.fill('#message-to', '')
    await page.fill('#message-text', 'hello from the dashboard')
    await page.click('#message-send')
    await page.locator('#message-result').getByText(/broadcast sent/).waitFor({ timeout: 10_000 })
    await page.locator('#feed .feed-entry[data-kind="broadcast"]').filter({ hasText: 'hello from the dashboard' }).waitFor({ timeout: 10_000 })
    // and what other nodes send arrives in the feed live
    await waitFor(async () => nodes[1].received().includes('hello from the dashboard'), 'node-2 received it', 10_000)
    await nodes[1].broadcast('an answer from node-2')
    await page.locator('#feed .feed-entry[data-kind="broadcast"]').filter({ hasText: 'an answer from node-2' }).waitFor({ timeout: 10_000 })
    for (const node of nodes.slice(1)) {
      await waitFor(async () => node.received().includes('hello from the dashboard'), `${node.name} received it`, 10_000)
    }
  })

  it('takes a node that leaves off the graph without a reload', async () => {
    const leaving = nodes[PEERS - 1]
    mkdirSync(RESULTS, { recursive: true })
    await page.screenshot({ path: `${RESULTS}dashboard.png` })
    await leaving.leave()
    await page.waitForFunction(`window.dashboard.nodeCount() === ${PEERS} && !window.dashboard.hasNode(${JSON.stringify(leaving.name)})`, undefined, { timeout: 15_000 })
    await page.waitForFunction(`document.getElementById('network-size').textContent.trim() === '${PEERS}'`, undefined, { timeout: 10_000 })
    await page.screenshot({ path: `${RESULTS}dashboard-after-leave.png` })
    console.log(`# screenshots: ${RESULTS}dashboard.png and dashboard-after-leave.png`)
    assert.deepEqual(pageErrors, [], 'no script errors in the page')
  })
})
