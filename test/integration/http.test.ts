import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { waitFor } from '../helpers.ts'
import { Swarm, type RemoteNode } from '../swarm/index.ts'

/** Peers besides the bootstrap, every one with its HTTP API on a free port. */
const PEERS = 20
const TOKEN = 'a-test-token-1234'

interface Answer { status: number, headers: Headers, body: any, text: string }

/** One HTTP request to a node's API; the body is parsed as JSON when it is JSON. */
async function api (node: RemoteNode, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer> {
  const { json, ...rest } = init
  const response = await fetch(`${node.httpUrl}${path}`, {
    ...rest,
    ...(json !== undefined ? { method: rest.method ?? 'POST', body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...rest.headers } } : {})
  })
  const text = await response.text()
  let body: any
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: response.status, headers: response.headers, body, text }
}

describe(`the HTTP API of a bootstrap and ${PEERS} nodes`, () => {
  const swarm = new Swarm()
  let bootstrap: RemoteNode
  let nodes: RemoteNode[]
  let all: RemoteNode[]

  before(async () => {
    ;({ bootstrap, nodes, all } = await swarm.network(PEERS, { http: { port: 0 } }))
    await waitFor(async () => {
      const snapshots = await swarm.snapshot()
      return all.every(node => snapshots.get(node.key)!.size === PEERS + 1) &&
        nodes.every(node => snapshots.get(node.key)!.meshPeers >= 2)
    }, 'every view complete and every mesh formed', 60_000)
  })

  after(async () => { await swarm.stop() })

  describe('the Flask seed\'s contract', () => {
    it('bootstrap GET / and GET /peers list the registered members', async () => {
      const root = await api(bootstrap, '/')
      assert.equal(root.status, 200)
      assert.equal(root.body.message, 'Bootstrap node is running!')
      assert.ok(Array.isArray(root.body.peers))
      assert.deepEqual(root.body.peers.map((peer: any) => peer.friendly_name).sort(), nodes.map(node => node.name).sort())
      for (const peer of root.body.peers) {
        assert.equal(peer.node_id, nodes.find(node => node.name === peer.friendly_name)!.peerId)
      }
      const peers = await api(bootstrap, '/peers')
      assert.equal(peers.status, 200)
      assert.deepEqual(Object.keys(peers.body), ['peers'])
      assert.deepEqual(peers.body.peers.map((peer: any) => peer.node_id).sort(), root.body.peers.map((peer: any) => peer.node_id).sort())
    })

    it('node GET / and GET /peers say who it is and whom it knows', async () => {
      const node = nodes[2]
      const root = await api(node, '/')
      assert.equal(root.status, 200)
      assert.match(root.headers.get('content-type') ?? '', /^application\/json/)
      assert.equal(root.body.message, `Node ${node.name} is running!`)
      assert.equal(root.body.node_id, node.peerId)
      assert.equal(root.body.friendly_name, node.name)
      const others = all.filter(other => other !== node).map(other => other.peerId).sort()
      assert.deepEqual(root.body.peers.map((peer: any) => peer.node_id).sort(), others)
      const peers = await api(node, '/peers')
      assert.equal(peers.status, 200)
      assert.deepEqual(peers.body.peers.map((peer: any) => peer.node_id).sort(), others)
    })

    it('POST /message records a message from a known member, by name or peer id, and refuses strangers', async () => {
      const node = nodes[4]
      const byName = await api(node, '/message', { json: { sender: nodes[7].name, msg: 'hello from the seed' } })
      assert.equal(byName.status, 200)
      assert.deepEqual(byName.body, { status: 'received' })
      const byId = await api(node, '/message', { json: { sender: nodes[8].peerId, msg: 'by peer id' } })
      assert.deepEqual([byId.status, byId.body], [200, { status: 'received' }])

      const unknown = await api(node, '/message', { json: { sender: 'mallory', msg: 'let me in' } })
      assert.equal(unknown.status, 400)
      assert.equal(unknown.body.error, 'Unknown sender')
      assert.equal(unknown.body.status, 'rejected')
      const missing = await api(node, '/message', { json: { sender: nodes[7].name } })
      assert.equal(missing.status, 400)
      assert.equal(typeof missing.body.error, 'string')
      assert.equal(missing.body.status, 'rejected')
      const malformed = await api(node, '/message', { method: 'POST', body: '{"sender": ' })
      assert.deepEqual([malformed.status, malformed.body.error, malformed.body.status], [400, 'Invalid JSON', 'rejected'])

      const { messages } = (await api(node, '/messages')).body
      const recorded = messages.filter((message: any) => message.kind === 'http')
      assert.deepEqual(recorded.map((message: any) => [message.fromName, message.text, message.authenticated]), [
        [nodes[7].name, 'hello from the seed', false],
        [nodes[8].name, 'by peer id', false]
      ])
      assert.ok(!messages.some((message: any) => message.text === 'let me in'))
    })
  })

  describe('the P2P paths', () => {
    it('POST /broadcast reaches every node\'s GET /messages, authenticated', async () => {
      const start = Date.now()
      const sent = await api(nodes[0], '/broadcast', { json: { msg: 'to everyone over HTTP' } })
      assert.equal(sent.status, 200)
      assert.equal(sent.body.status, 'sent')
      assert.match(sent.body.id, /^[0-9a-f]{32}$/)
      assert.ok(sent.body.recipients > 0)
      for (const node of nodes.slice(1)) {
        await waitFor(async () => (await api(node, '/messages')).body.messages.some((message: any) => message.id === sent.body.id),
          `${node.name} received the broadcast`, 10_000)
        const message = (await api(node, '/messages')).body.messages.find((message: any) => message.id === sent.body.id)
        assert.deepEqual([message.kind, message.from, message.fromName, message.text, message.authenticated],
          ['broadcast', nodes[0].peerId, nodes[0].name, 'to everyone over HTTP', true])
      }
      console.log(`# POST /broadcast to all ${PEERS - 1} others' GET /messages, polled one by one: ${Date.now() - start} ms`)
    })

    it('POST /send delivers to one node, by name or by peer id', async () => {
      const byName = await api(nodes[1], '/send', { json: { to: nodes[9].name, msg: 'direct by name' } })
      assert.equal(byName.status, 200)
      assert.deepEqual([byName.body.status, byName.body.peerId], ['delivered', nodes[9].peerId])
      const byId = await api(nodes[1], '/send', { json: { to: nodes[9].peerId, msg: 'direct by id' } })
      assert.equal(byId.status, 200)
      const texts = (await api(nodes[9], '/messages')).body.messages.filter((message: any) => message.kind === 'direct').map((message: any) => message.text)
      assert.deepEqual(texts, ['direct by name', 'direct by id'])
      const others = await Promise.all(nodes.filter(node => node !== nodes[9]).map(async node => (await api(node, '/messages')).body.messages))
      assert.ok(others.every(messages => !messages.some((message: any) => message.text.startsWith('direct by'))), 'only the target got it')
    })

    it('GET /messages is bounded and pages with limit and since', async () => {
      const node = nodes[10]
      const all = (await api(node, '/messages?limit=1000')).body.messages
      assert.ok(all.length >= 1)
      const seqs = all.map((message: any) => message.seq)
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'newest last')
      assert.equal((await api(node, '/messages?limit=1')).body.messages[0].seq, seqs.at(-1))
      assert.deepEqual((await api(node, `/messages?since=${seqs.at(-1)}`)).body.messages, [])
      assert.equal((await api(node, '/messages?limit=5000')).status, 200)
    })

    it('GET /status, /network and /members tell this node\'s and the network\'s state', async () => {
      const node = nodes[3]
      const status = await api(node, '/status')
      assert.equal(status.status, 200)
      assert.deepEqual([status.body.peerId, status.body.name, status.body.role, status.body.networkSize], [node.peerId, node.name, 'peer', PEERS + 1])
      const remote = await api(node, `/status?peer=${nodes[6].name}`)
      assert.deepEqual([remote.status, remote.body.peerId, remote.body.name], [200, nodes[6].peerId, nodes[6].name])
      const network = await api(node, '/network')
      assert.equal(network.status, 200)
      assert.equal(network.body.size.size, PEERS + 1)
      assert.equal(network.body.members.alive, PEERS)
      assert.ok(network.body.meshPeers >= 2)
      const members = await api(node, '/members')
      assert.equal(members.body.members.length, PEERS)
      assert.ok(members.body.members.every((member: any) => member.state === 'alive' && Array.isArray(member.neighbours)))
    })

    it('GET /graph draws every member and every connection, mesh links marked, as JSON and as DOT', async () => {
      // members tell their links in their announcements: every peer has 2 or more mesh links, so 20 or more, once each
      // has said so; a node that joined later knows an earlier one from discovery, without links, until its heartbeat
      let graph: any
      const linked = (node: any): boolean => graph.edges.some((edge: any) => edge.source === node.id || edge.target === node.id)
      await waitFor(async () => {
        graph = (await api(nodes[5], '/graph')).body
        return graph.edges.filter((edge: any) => edge.mesh).length >= PEERS && graph.nodes.every(linked)
      }, 'the links of every member in the graph', 20_000, 500)
      assert.equal(graph.self, nodes[5].peerId)
      assert.deepEqual(graph.nodes.map((node: any) => node.id).sort(), all.map(node => node.peerId).sort())
      assert.equal(graph.nodes.find((node: any) => node.id === bootstrap.peerId).role, 'bootstrap')
      const ids = new Set(graph.nodes.map((node: any) => node.id))
      const keys = new Set<string>()
      for (const edge of graph.edges) {
        assert.ok(ids.has(edge.source) && ids.has(edge.target) && edge.source !== edge.target)
        const key = [edge.source, edge.target].sort().join(' ')
        assert.ok(!keys.has(key), 'each edge once')
        keys.add(key)
      }
      // the mesh spans the peers; the bootstrap is never in it
      const mesh = graph.edges.filter((edge: any) => edge.mesh)
      assert.ok(mesh.length >= PEERS, `${mesh.length} mesh links`)
      assert.ok(mesh.every((edge: any) => edge.source !== bootstrap.peerId && edge.target !== bootstrap.peerId))

      const dot = await api(nodes[5], '/graph?format=dot')
      assert.equal(dot.status, 200)
      assert.match(dot.headers.get('content-type') ?? '', /^text\/vnd\.graphviz/)
      assert.match(dot.text, /^graph p2p \{\n/)
      assert.equal(dot.text.match(/ \[label=/g)?.length, PEERS + 1)
      // a second request, so the edges may have moved since the JSON: each joins two of the graph's nodes, and they span it
      const dotEdges = [...dot.text.matchAll(/^ {2}"([^"]+)" -- "([^"]+)" \[/gm)]
      assert.ok(dotEdges.length >= PEERS, `${dotEdges.length} edges`)
      assert.ok(dotEdges.every(([, a, b]) => ids.has(a) && ids.has(b)))
      assert.equal(dotEdges.length, dot.text.match(/ -- /g)?.length)
    })

    it('GET /metrics serves libp2p\'s metrics and ours in Prometheus text', async () => {
      const metrics = await api(nodes[0], '/metrics')
      assert.equal(metrics.status, 200)
      assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/)
      assert.match(metrics.text, new RegExp(`^p2p_node_network_size ${PEERS + 1}$`, 'm'))
      assert.match(metrics.text, /^p2p_node_members\{state="alive"\} \d+$/m)
      assert.match(metrics.text, /^p2p_node_messages_sent\{kind="broadcast"\} [1-9]\d*$/m)
      assert.match(metrics.text, /^libp2p_connection_manager_connections\{[^}]*\} \d+$/m)
      assert.match(metrics.text, /^process_cpu_user_seconds_total \d/m)
    })

    it('GET /health is 200 while the node runs', async () => {
      const health = await api(nodes[0], '/health')
      assert.deepEqual([health.status, health.body.status, health.body.peerId, health.body.ready], [200, 'ok', nodes[0].peerId, true])
    })
  })

  describe('bad input', () => {
    const cases: Array<[string, string, RequestInit, number, string]> = [
      ['malformed JSON', '/broadcast', { method: 'POST', body: '{"msg": "unterminated' }, 400, 'Invalid JSON'],
      ['a JSON array', '/broadcast', { method: 'POST', body: '["msg"]' }, 400, 'Invalid body'],
      ['a JSON string', '/broadcast', { method: 'POST', body: '"msg"' }, 400, 'Invalid body'],
      ['no body', '/broadcast', { method: 'POST' }, 400, 'Invalid body'],
      ['msg a number', '/broadcast', { method: 'POST', body: '{"msg": 5}' }, 400, 'Invalid body'],
      ['msg missing', '/broadcast', { method: 'POST', body: '{"text": "hi"}' }, 400, 'Invalid body'],
      ['an empty broadcast', '/broadcast', { method: 'POST', body: '{"msg": ""}' }, 400, 'Invalid body'],
      ['an empty direct message', '/send', { method: 'POST', body: '{"to": "node-2", "msg": ""}' }, 400, 'Invalid body'],
      ['to an array', '/send', { method: 'POST', body: '{"to": ["node-2"], "msg": "hi"}' }, 400, 'Invalid body'],
      ['to empty', '/send', { method: 'POST', body: '{"to": "", "msg": "hi"}' }, 400, 'Invalid body'],
      ['to nobody', '/send', { method: 'POST', body: '{"to": "nobody", "msg": "hi"}' }, 404, 'Unknown peer'],
      ['to itself', '/send', { method: 'POST', body: '{"to": "node-1", "msg": "hi"}' }, 422, 'Rejected'],
      ['sender null', '/message', { method: 'POST', body: '{"sender": null, "msg": "hi"}' }, 400, 'Invalid body'],
      ['a body over the limit (6 x maxMessageBytes + 4 KiB)', '/broadcast', { method: 'POST', body: JSON.stringify({ msg: 'x'.repeat(6 * 64 * 1024 + 4096) }) }, 413, 'Body too large'],
      ['a message over maxMessageBytes', '/broadcast', { method: 'POST', body: JSON.stringify({ msg: 'x'.repeat(64 * 1024 + 1) }) }, 413, 'Message too large'],
      ['a direct message over maxMessageBytes', '/send', { method: 'POST', body: JSON.stringify({ to: 'node-2', msg: 'é'.repeat(32 * 1024 + 1) }) }, 413, 'Message too large'],
      ['a limit that is not a number', '/messages?limit=ten', {}, 400, 'Invalid query'],
      ['a graph format we do not draw', '/graph?format=svg', {}, 400, 'Invalid query'],
      ['a status of nobody', '/status?peer=nobody', {}, 404, 'Unknown peer'],
      ['an unknown route', '/nothing/here', {}, 404, 'Not found'],
      ['GET on a POST route', '/broadcast', {}, 405, 'Method not allowed'],
      ['DELETE on a GET route', '/members', { method: 'DELETE' }, 405, 'Method not allowed'],
      ['POST on a GET route', '/graph', { method: 'POST', body: '{}' }, 405, 'Method not allowed']
    ]

    it('every bad request gets a 4xx JSON error with a stable error field, and nothing happens', async () => {
      const node = nodes[0]
      const before = (await api(node, '/network')).body.messages
      for (const [what, path, init, status, error] of cases) {
        const answer = await api(node, path, init)
        assert.equal(answer.status, status, `${what}: ${answer.text.slice(0, 200)}`)
        assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, what)
        assert.equal(answer.body.error, error, what)
        if (status === 405) {
          assert.match(answer.headers.get('allow') ?? '', /^(GET|POST)/, `${what}: Allow header`)
        }
      }
      const afterwards = (await api(node, '/network')).body.messages
      assert.deepEqual(afterwards.sent, before.sent, 'no message went out')
      assert.equal((await api(node, '/health')).status, 200, 'the node still serves')
    })

    it('a connection that sends garbage instead of HTTP is answered 400 and the node keeps serving', async () => {
      const { connect } = await import('node:net')
      const url = new URL(nodes[0].httpUrl!)
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => { socket.end('\x00\xff garbage \r\n\r\n') })
        let data = ''
        socket.on('data', chunk => { data += chunk.toString() })
        socket.on('end', () => { resolve(data) })
        socket.on('error', reject)
        socket.setTimeout(5_000, () => { socket.destroy(new Error('no answer')) })
      })
      assert.match(reply, /^HTTP\/1\.1 400/)
      assert.equal((await api(nodes[0], '/health')).status, 200)
    })
  })

  describe('GET /events', () => {
    it('streams messages, joins and leaves as server-sent events', async () => {
      const node = nodes[11]
      const controller = new AbortController()
      const response = await fetch(`${node.httpUrl}/events`, { signal: controller.signal })
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/)
      const events: Array<{ event: string, data: any }> = []
      const reading = (async () => {
        const decoder = new TextDecoder()
        let buffer = ''
        for await (const chunk of response.body as any) {
          buffer += decoder.decode(chunk, { stream: true })
          let end
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const event = block.match(/^event: (.+)$/m)?.[1]
            const data = block.match(/^data: (.+)$/m)?.[1]
            if (event != null && data != null) events.push({ event, data: JSON.parse(data) })
          }
        }
      })().catch(() => {})
      try {
        await waitFor(() => events.some(e => e.event === 'hello'), 'the hello event')
        assert.equal(events[0].data.self, node.peerId)

        const sent = await api(nodes[12], '/broadcast', { json: { msg: 'seen live' } })
        await waitFor(() => events.some(e => e.event === 'message' && e.data.id === sent.body.id), 'the message event', 10_000)

        const newcomer = await swarm.create({ name: 'newcomer', bootstrap: bootstrap.multiaddrs })
        await waitFor(() => events.some(e => e.event === 'member:join' && e.data.peerId === newcomer.peerId && e.data.name === 'newcomer'),
          'the join event', 10_000)
        await newcomer.leave()
        await waitFor(() => events.some(e => e.event === 'member:leave' && e.data.peerId === newcomer.peerId), 'the leave event', 10_000)
      } finally {
        controller.abort()
        await reading
      }
    })
  })
})

describe('an HTTP API with a token', () => {
  const swarm = new Swarm()
  let node: RemoteNode

  before(async () => {
    const { nodes } = await swarm.network(1, { http: { port: 0, token: TOKEN } })
    node = nodes[0]
  })

  after(async () => { await swarm.stop() })

  it('answers 401 without the token, and serves with it as a bearer header or ?token=', async () => {
    for (const path of ['/', '/peers', '/network', '/metrics', '/events', '/graph', '/nothing']) {
      const denied = await api(node, path)
      assert.deepEqual([denied.status, denied.body?.error], [401, 'Unauthorized'], path)
    }
    const wrong = await api(node, '/network', { headers: { authorization: 'Bearer not-the-token' } })
    assert.equal(wrong.status, 401)
    const refused = await api(node, '/broadcast', { json: { msg: 'no token' } })
    assert.equal(refused.status, 401)

    const allowed = await api(node, '/network', { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.deepEqual([allowed.status, allowed.body.peerId], [200, node.peerId])
    assert.equal((await api(node, `/graph?token=${TOKEN}`)).status, 200)
  })

  it('leaves GET /health and the dashboard\'s files open: they hold no data', async () => {
    assert.equal((await api(node, '/health')).status, 200)
    for (const path of ['/ui', '/ui/dashboard.js', '/ui/dashboard.css', '/ui/cytoscape.min.js']) {
      const file = await api(node, path)
      assert.equal(file.status, 200, path)
      assert.ok(file.text.length > 100, path)
    }
  })
})
