/*
 * p2p-node dashboard: draws the network live from this node's HTTP API.
 * Plain browser script (no build step); cytoscape is loaded before it from /ui/cytoscape.min.js.
 *
 * Sources: GET /graph (polled every 2 s and applied as a diff, so positions stay put), GET /events (SSE: joins,
 * suspicions, deaths, leaves and messages, drawn at once), GET /network (the status panel), GET /messages (the feed's
 * history), GET /status?peer= (a clicked node), POST /broadcast and /send (the form).
 * Everything that comes from the network is written with textContent, never as HTML.
 */
(function () {
  'use strict'

  const POLL_MS = 2000
  const LAYOUT_GAP_MS = 2000 // layouts run at most this often
  const GROW_MS = 500 // a joining node grows in; a state colour changes over the same time
  const FADE_MS = 1000 // a dead or departed node fades out over this, after showing its colour for GROW_MS
  const FEED_MAX = 200
  const MAX_ZOOM = 4
  const FIT_MAX_ZOOM = 1.5 // fitting a small network would otherwise blow it up to giant nodes

  const $ = (id) => document.getElementById(id)

  // ---- API -------------------------------------------------------------------------------------------------------

  // The API may be protected by a bearer token. EventSource cannot set headers, so the page's ?token= rides along in
  // the query string of every call.
  const token = new URLSearchParams(location.search).get('token')

  function apiUrl (path, params) {
    const query = new URLSearchParams(params || {})
    if (token) query.set('token', token)
    const qs = query.toString()
    return qs ? path + '?' + qs : path
  }

  /** fetches JSON; a failed call throws an Error whose message is the API's detail (or error) */
  async function api (path, options) {
    const { params, body } = options || {}
    const init = { cache: 'no-store' }
    if (body !== undefined) {
      init.method = 'POST'
      init.headers = { 'Content-Type': 'application/json' }
      init.body = JSON.stringify(body)
    }
    const res = await fetch(apiUrl(path, params), init)
    let json = null
    try { json = await res.json() } catch (_) { /* not JSON: reported below */ }
    if (!res.ok) {
      // the detail usually restates the error with the specifics
      const reason = json && (json.detail || json.error) ? json.detail || json.error : 'HTTP ' + res.status
      throw new Error(reason)
    }
    if (json === null) throw new Error('the answer is not JSON')
    return json
  }

  // ---- small DOM helpers -----------------------------------------------------------------------------------------

  function el (tag, className, text) {
    const e = document.createElement(tag)
    if (className) e.className = className
    if (text !== undefined && text !== null) e.textContent = String(text)
    return e
  }

  /** fills a <dl> from [label, value, className?] rows; a value may be a DOM node */
  function setFields (dl, rows) {
    dl.replaceChildren()
    for (const [label, value, className] of rows) {
      const dd = el('dd', className)
      if (value instanceof Node) dd.append(value)
      else dd.textContent = value === undefined || value === null ? '–' : String(value)
      dl.append(el('dt', null, label), dd)
    }
  }

  const show = (v) => (v === undefined || v === null ? '–' : String(v))
  const shortId = (id) => (typeof id === 'string' && id.length > 16 ? id.slice(0, 6) + '…' + id.slice(-6) : show(id))
  const pad = (n) => String(n).padStart(2, '0')

  function duration (ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return '–'
    const s = Math.floor(ms / 1000)
    const d = Math.floor(s / 86400); const h = Math.floor((s % 86400) / 3600); const m = Math.floor((s % 3600) / 60)
    if (d > 0) return d + 'd ' + h + 'h'
    if (h > 0) return h + 'h ' + pad(m) + 'm'
    if (m > 0) return m + 'm ' + pad(s % 60) + 's'
    return (s % 60) + 's'
  }

  const banner = $('banner')
  function setBanner (text) {
    banner.hidden = !text
    if (text) banner.textContent = text
  }

  if (typeof window.cytoscape !== 'function') {
    setBanner('the graph library (/ui/cytoscape.min.js) did not load')
    return
  }

  // ---- the graph -------------------------------------------------------------------------------------------------

  const cy = window.cytoscape({
    container: $('graph'),
    minZoom: 0.05,
    maxZoom: MAX_ZOOM,
    boxSelectionEnabled: false,
    style: [
      {
        selector: 'node',
        style: {
          label: 'data(name)',
          'font-size': 11,
          // labels vanish when zoomed far out, so a big network stays a readable picture
          'min-zoomed-font-size': 7,
          'text-valign': 'bottom',
          'text-margin-y': 3,
          color: '#37474f',
          'text-outline-color': '#fbfcfd',
          'text-outline-width': 2,
          shape: 'ellipse',
          width: 18,
          height: 18,
          'background-color': '#43a047',
          'transition-property': 'opacity, width, height, background-color',
          'transition-duration': GROW_MS
        }
      },
      { selector: 'node[role = "bootstrap"]', style: { shape: 'diamond', width: 32, height: 32 } },
      { selector: 'node[state = "suspect"]', style: { 'background-color': '#fb8c00' } },
      { selector: 'node[state = "dead"]', style: { 'background-color': '#e53935' } },
      { selector: 'node[state = "left"]', style: { 'background-color': '#9e9e9e' } },
      { selector: 'node[?self]', style: { 'border-width': 3, 'border-color': '#263238', 'font-weight': 'bold' } },
      { selector: 'node:selected', style: { 'overlay-color': '#1e6fd9', 'overlay-opacity': 0.25, 'overlay-padding': 6 } },
      // classes after the rules above, so they win: a joining node starts invisible and tiny, then grows in
      { selector: 'node.entering', style: { opacity: 0, width: 2, height: 2 } },
      { selector: 'node.leaving', style: { opacity: 0, 'transition-duration': FADE_MS } },
      {
        selector: 'edge',
        style: {
          width: 1,
          'line-color': '#c4cad1',
          'curve-style': 'haystack', // straight and the cheapest to draw; the graph is undirected
          'transition-property': 'opacity',
          'transition-duration': FADE_MS
        }
      },
      { selector: 'edge[?mesh]', style: { width: 2, 'line-color': '#1e6fd9', 'z-index': 2 } },
      { selector: 'edge.leaving', style: { opacity: 0 } }
    ]
  })

  let selfId = null
  // peer id -> Date.now() of the last live event about it. A /graph answer requested before that moment is older
  // than what the event told, so it neither re-adds, removes nor recolours that node.
  const lastEventAt = new Map()
  // peer id -> timer of a node on its way out (showing its last colour, then fading); these are no longer counted
  const leaving = new Map()
  // peer id -> when a join event drew it, before any edge was known: it is laid out once its edges arrive, since a
  // layout without them would push it away from everything as a component of its own
  const awaitingEdges = new Map()
  const freshIds = new Set() // nodes added since the last layout
  let firstDraw = true
  let userMoved = false // the user zoomed or panned: layouts stop re-fitting the view

  const edgeId = (a, b) => (a < b ? 'e:' + a + '|' + b : 'e:' + b + '|' + a)
  const isCurrent = (node) => node.nonempty() && !leaving.has(node.id())
  const olderThanEvent = (id, requestedAt) => (lastEventAt.get(id) || 0) >= requestedAt

  function nodeData (n) {
    return {
      id: n.id,
      name: n.name || shortId(n.id),
      role: n.role === 'bootstrap' ? 'bootstrap' : 'peer',
      state: n.state || 'alive',
      self: n.self === true || n.id === selfId
    }
  }

  function updateData (ele, data) {
    for (const key of Object.keys(data)) {
      if (key !== 'id' && ele.data(key) !== data[key]) ele.data(key, data[key])
    }
  }

  /** adds a node that grows in from nothing at `position` */
  function addNode (data, position) {
    const node = cy.add({ group: 'nodes', data, position, classes: 'entering' })
    freshIds.add(data.id)
    // the class change after the first style pass is what triggers the grow transition
    setTimeout(() => node.removeClass('entering'), 30)
    return node
  }

  function near (node) {
    const p = node.position()
    const angle = Math.random() * 2 * Math.PI
    return { x: p.x + 40 * Math.cos(angle), y: p.y + 40 * Math.sin(angle) }
  }

  /** somewhere to put a node without known neighbours: next to this node, else the middle of the drawing */
  function fallbackPosition () {
    const self = selfId ? cy.getElementById(selfId) : cy.collection()
    if (isCurrent(self)) return near(self)
    if (cy.nodes().nonempty()) {
      const bb = cy.nodes().boundingBox()
      return near({ position: () => ({ x: (bb.x1 + bb.x2) / 2, y: (bb.y1 + bb.y2) / 2 }) })
    }
    return { x: 0, y: 0 }
  }

  /** a node is on its way out: show its final colour (dead/left), fade it and its edges, then remove them */
  function fadeOut (id, state) {
    const node = cy.getElementById(id)
    if (node.empty() || id === selfId) return
    if (state) node.data('state', state)
    if (leaving.has(id)) return
    leaving.set(id, setTimeout(() => {
      node.addClass('leaving')
      node.connectedEdges().addClass('leaving')
      leaving.set(id, setTimeout(() => {
        leaving.delete(id)
        node.remove() // its edges go with it
        updateNames()
      }, FADE_MS))
    }, state ? GROW_MS : 0))
    updateNames()
    refreshDetails()
  }

  /** a node on its way out is back (a fresh /graph lists it, or it joined again) */
  function cancelFade (id) {
    clearTimeout(leaving.get(id))
    leaving.delete(id)
    const node = cy.getElementById(id)
    node.removeClass('leaving')
    node.connectedEdges().removeClass('leaving')
  }

  /** applies a /graph answer as a diff against what is drawn */
  function applyGraph (graph, requestedAt) {
    if (graph.self) selfId = graph.self
    const listed = new Set()
    const added = []
    const neighbours = new Map()
    for (const e of graph.edges || []) {
      if (!neighbours.has(e.source)) neighbours.set(e.source, [])
      if (!neighbours.has(e.target)) neighbours.set(e.target, [])
      neighbours.get(e.source).push(e.target)
      neighbours.get(e.target).push(e.source)
    }

    cy.batch(() => {
      for (const n of graph.nodes || []) {
        listed.add(n.id)
        if (olderThanEvent(n.id, requestedAt)) continue
        if (leaving.has(n.id)) cancelFade(n.id)
        const node = cy.getElementById(n.id)
        if (node.nonempty()) updateData(node, nodeData(n))
        else added.push(nodeData(n))
      }

      // a new node starts next to a neighbour already drawn, so the layout animates it in from there; a second pass
      // lets new nodes hang off new nodes placed in the first
      const placed = new Set()
      for (let pass = 0; pass < 2; pass++) {
        for (const data of added) {
          if (placed.has(data.id)) continue
          const anchor = (neighbours.get(data.id) || []).map(id => cy.getElementById(id)).find(isCurrent)
          if (anchor || pass === 1) {
            addNode(data, anchor ? near(anchor) : fallbackPosition())
            placed.add(data.id)
          }
        }
      }

      cy.nodes().forEach(node => {
        const id = node.id()
        if (!listed.has(id) && !leaving.has(id) && !olderThanEvent(id, requestedAt) && id !== selfId) {
          lastEventAt.set(id, Date.now()) // an answer already in flight must not bring it back
          fadeOut(id, null)
        }
      })

      const wanted = new Set()
      for (const e of graph.edges || []) {
        if (!isCurrent(cy.getElementById(e.source)) || !isCurrent(cy.getElementById(e.target))) continue
        const id = edgeId(e.source, e.target)
        wanted.add(id)
        const edge = cy.getElementById(id)
        if (edge.nonempty()) updateData(edge, { mesh: e.mesh === true })
        else cy.add({ group: 'edges', data: { id, source: e.source, target: e.target, mesh: e.mesh === true } })
      }
      // edges of a node on its way out fade with it
      cy.edges().forEach(edge => {
        if (!wanted.has(edge.id()) && !leaving.has(edge.data('source')) && !leaving.has(edge.data('target'))) edge.remove()
      })
    })

    let layoutNeeded = added.length > 0 || firstDraw
    for (const [id, at] of awaitingEdges) {
      const node = cy.getElementById(id)
      if (node.empty() || node.connectedEdges().nonempty() || Date.now() - at > 10000) {
        awaitingEdges.delete(id)
        layoutNeeded ||= node.nonempty()
      }
    }
    if (layoutNeeded) requestLayout()

    // events older than any answer still in flight can be forgotten
    for (const [id, at] of lastEventAt) if (at < requestedAt - 60000) lastEventAt.delete(id)

    updateNames()
    refreshDetails()
  }

  let graphBusy = false
  let graphAgain = false
  async function refreshGraph () {
    // one request at a time; a refresh asked for meanwhile runs right after
    if (graphBusy) { graphAgain = true; return }
    graphBusy = true
    const requestedAt = Date.now()
    try {
      applyGraph(await api('/graph'), requestedAt)
      setBanner(null)
    } catch (err) {
      setBanner('disconnected, retrying… (' + err.message + ')')
    } finally {
      graphBusy = false
      if (graphAgain) { graphAgain = false; refreshGraph() }
    }
  }

  let soonTimer = null
  /** a refresh shortly, coalescing bursts of events */
  function refreshGraphSoon () {
    if (soonTimer === null) soonTimer = setTimeout(() => { soonTimer = null; refreshGraph() }, 250)
  }

  // ---- layout ----------------------------------------------------------------------------------------------------

  let layout = null
  let layoutTimer = null
  let lastLayoutAt = 0

  /** runs a layout soon: at most once per LAYOUT_GAP_MS, and a short wait gathers nodes that arrive together */
  function requestLayout () {
    if (layoutTimer !== null) return
    const wait = Math.max(300, lastLayoutAt + LAYOUT_GAP_MS - Date.now())
    layoutTimer = setTimeout(() => { layoutTimer = null; runLayout(false) }, wait)
  }

  /**
   * Lays the graph out. A few new nodes move in among the others, which stay put (locked for the run), with only
   * their neighbours making room: a whole re-run of cose would shift every node by a good part of the picture.
   * The first draw, a large batch of new nodes, and the Re-layout button lay out everything.
   */
  function runLayout (whole) {
    const nodes = cy.nodes().filter(n => !leaving.has(n.id()))
    if (layout) layout.stop()
    cy.nodes().unlock()
    const fresh = nodes.filter(n => freshIds.has(n.id()))
    freshIds.clear()
    for (const id of awaitingEdges.keys()) freshIds.add(id) // laid out again once their edges are known
    if (nodes.empty()) return
    if (whole !== true && !firstDraw && fresh.nonempty() && fresh.length <= nodes.length / 4) {
      nodes.difference(fresh.closedNeighborhood()).lock()
    }
    lastLayoutAt = Date.now()
    const fit = firstDraw || !userMoved
    if (fit) cy.maxZoom(FIT_MAX_ZOOM) // the layout's fit obeys the zoom limit; the user's zoom gets it back after
    layout = nodes.union(nodes.edgesWith(nodes)).layout({
      name: 'cose',
      // 'end': compute, then animate every node from where it is to where it goes (true would redraw each step)
      animate: 'end',
      animationDuration: 500,
      randomize: firstDraw, // afterwards nodes move on from where they are, so the picture stays stable
      fit,
      padding: 40,
      // tried on a 100-node graph with a hub (the bootstrap): strong repulsion and weak gravity keep nodes apart
      nodeRepulsion: () => 1500000,
      idealEdgeLength: () => 80,
      edgeElasticity: () => 100,
      gravity: 0.25,
      componentSpacing: 60,
      numIter: 1000
    })
    const running = layout
    running.one('layoutstop', () => {
      cy.maxZoom(MAX_ZOOM)
      cy.nodes().unlock()
      if (layout === running) layout = null
    })
    layout.run()
    firstDraw = false
  }

  // scrollzoom, pinchzoom and dragpan are emitted for user gestures only, not for the layout's own fit
  cy.on('scrollzoom pinchzoom dragpan', () => { userMoved = true })
  $('fit-button').addEventListener('click', () => {
    userMoved = false
    cy.maxZoom(FIT_MAX_ZOOM)
    cy.animate({ fit: { eles: cy.nodes(), padding: 40 } }, { duration: 300, complete: () => cy.maxZoom(MAX_ZOOM) })
  })
  $('layout-button').addEventListener('click', () => runLayout(true))

  // member names for the form's "to" suggestions
  let namesKey = ''
  function updateNames () {
    const names = cy.nodes().filter(n => !leaving.has(n.id()) && n.id() !== selfId).map(n => n.data('name')).sort()
    const key = names.join('\n')
    if (key === namesKey) return
    namesKey = key
    $('member-names').replaceChildren(...['everyone'].concat(names).map(name => { const o = el('option'); o.value = name; return o }))
  }

  // ---- the clicked node ------------------------------------------------------------------------------------------

  const details = $('node-details')
  let selected = null // { id, data } of the node shown, kept after it is gone

  function refreshDetails () {
    if (selected === null) return
    const node = cy.getElementById(selected.id)
    if (node.nonempty()) selected.data = node.data()
    const d = selected.data
    $('details-title').textContent = d.name
    const state = node.empty() ? 'gone (' + d.state + ')' : d.state
    setFields($('details-fields'), [
      ['name', d.name],
      ['role', d.role + (d.self ? ' (this node)' : '')],
      ['state', state, 'state-' + d.state],
      ['peer id', d.id, 'mono']
    ])
    $('details-message').hidden = d.self === true
  }

  async function showDetails (id) {
    const node = cy.getElementById(id)
    selected = { id, data: node.data() }
    details.hidden = false
    refreshDetails()
    const status = $('details-status')
    status.className = 'details-status'
    status.replaceChildren(el('span', 'muted', 'loading…'))
    try {
      const s = await api('/status', { params: { peer: id } })
      if (selected === null || selected.id !== id) return // another node was clicked meanwhile
      const addrs = el('ul', 'mono')
      for (const a of s.multiaddrs || []) addrs.append(el('li', null, a))
      const dl = el('dl', 'fields')
      setFields(dl, [
        ['version', s.version],
        ['uptime', duration(s.uptimeMs)],
        ['connections', s.connections],
        ['known peers', s.knownPeers],
        ['mesh peers', s.meshPeers],
        ['network size', s.networkSize],
        ['rejected msgs', s.rejectedMessages],
        ['addresses', (s.multiaddrs || []).length > 0 ? addrs : 'none']
      ])
      status.replaceChildren(dl)
    } catch (err) {
      if (selected === null || selected.id !== id) return
      status.className = 'details-status error'
      status.textContent = 'status unavailable: ' + err.message
    }
  }

  cy.on('tap', 'node', (evt) => showDetails(evt.target.id()))
  $('details-close').addEventListener('click', () => { details.hidden = true; selected = null; cy.nodes().unselect() })
  $('details-message').addEventListener('click', () => {
    if (selected === null) return
    $('message-to').value = selected.data.name
    $('message-text').focus()
  })

  // ---- the network panel -----------------------------------------------------------------------------------------

  function counts (parts) {
    // "10 alive · 0 suspect", each number coloured by its state when it has one
    const span = el('span')
    parts.forEach(([n, label, cls], i) => {
      if (i > 0) span.append(' · ')
      span.append(el('span', n > 0 ? cls : null, show(n)), ' ' + label)
    })
    return span
  }

  async function refreshNetwork () {
    let n
    try { n = await api('/network') } catch (_) { return } // the graph poll shows the banner
    const size = n.size && typeof n.size === 'object' ? n.size : { size: n.size }
    $('network-size').textContent = show(size.size)
    $('network-size-method').textContent = size.exact === false ? '(estimated' + (size.method ? ', ' + size.method : '') + ')' : ''
    $('self-name').textContent = show(n.name) + ' · ' + show(n.role)
    const m = n.members || {}
    const sent = (n.messages && n.messages.sent) || {}
    const received = (n.messages && n.messages.received) || {}
    const rejected = (n.messages && n.messages.rejected) || {}
    setFields($('network-fields'), [
      ['this node', show(n.name) + ' (' + show(n.role) + ')'],
      ['peer id', shortId(n.peerId), 'mono'],
      ['members', counts([[m.alive, 'alive', 'state-alive'], [m.suspect, 'suspect', 'state-suspect'], [m.dead, 'dead', 'state-dead'], [m.left, 'left', 'state-left']])],
      ['connections', show(n.connections) + ' (' + show(n.peerConnections) + ' to members)'],
      ['mesh peers', n.meshPeers],
      ['sent', show(sent.broadcast) + ' broadcast · ' + show(sent.direct) + ' direct'],
      ['received', show(received.broadcast) + ' broadcast · ' + show(received.direct) + ' direct'],
      ['rejected', show(rejected.broadcast) + ' broadcast · ' + show(rejected.direct) + ' direct · ' +
        show(n.messages && n.messages.rejectedAnnouncements) + ' announcements'],
      ['bans', n.bans ? n.bans.now + ' now · ' + n.bans.total + ' total' : '–'],
      ['uptime', duration(n.uptimeMs)]
    ])
  }

  // ---- the message feed ------------------------------------------------------------------------------------------

  const feed = $('feed')
  const seen = new Set() // seqs shown, to drop the duplicates of history and live events

  function addMessage (m) {
    if (!m || typeof m.seq !== 'number' || seen.has(m.seq)) return
    // newest first: the entry goes before the first older one
    let before = feed.firstElementChild
    while (before !== null && Number(before.dataset.seq) > m.seq) before = before.nextElementSibling
    if (before === null && feed.children.length >= FEED_MAX) return // older than everything kept
    seen.add(m.seq)

    const li = el('li', 'feed-entry')
    li.dataset.kind = show(m.kind)
    li.dataset.seq = String(m.seq)
    const at = m.receivedAt || m.sentAt
    li.title = 'id ' + show(m.id) + (m.sentAt ? ' · sent ' + new Date(m.sentAt).toLocaleString() : '')
    const meta = el('div', 'meta')
    meta.append(el('span', 'kind', m.kind), el('span', 'from', m.fromName || shortId(m.from)),
      el('span', 'time', at ? new Date(at).toLocaleTimeString() : ''))
    if (m.authenticated === false) meta.append(el('span', 'unauth', 'unauthenticated'))
    li.append(meta, el('div', 'text', m.text))
    feed.insertBefore(li, before)

    while (feed.children.length > FEED_MAX) {
      seen.delete(Number(feed.lastElementChild.dataset.seq))
      feed.lastElementChild.remove()
    }
  }

  /**
   * A message sent from the form: the node does not receive its own messages, so the feed shows it from here, on
   * top, marked as sent. It sorts just after the newest message received so far.
   */
  function addSent (kind, to, text) {
    let newest = 0
    for (const seq of seen) newest = Math.max(newest, seq)
    const li = el('li', 'feed-entry sent')
    li.dataset.kind = kind
    li.dataset.seq = String(newest + 0.5)
    const selfNode = selfId ? cy.getElementById(selfId) : cy.collection()
    const from = selfNode.nonempty() ? selfNode.data('name') : 'this node'
    const meta = el('div', 'meta')
    meta.append(el('span', 'kind', kind), el('span', 'from', to ? from + ' → ' + to : from),
      el('span', 'time', new Date().toLocaleTimeString()), el('span', 'sent-mark', 'sent'))
    li.append(meta, el('div', 'text', text))
    feed.insertBefore(li, feed.firstElementChild)
    while (feed.children.length > FEED_MAX) feed.lastElementChild.remove()
  }

  async function loadMessages () {
    try {
      const { messages } = await api('/messages', { params: { limit: 50 } })
      for (const m of messages || []) addMessage(m)
    } catch (_) { /* the graph poll shows the banner; the live events still fill the feed */ }
  }

  // ---- the send form ---------------------------------------------------------------------------------------------

  const result = $('message-result')
  function setResult (kind, text) {
    result.className = 'result' + (kind ? ' ' + kind : '')
    result.textContent = text
  }

  $('message-form').addEventListener('submit', async (ev) => {
    ev.preventDefault()
    const text = $('message-text')
    const msg = text.value
    const to = $('message-to').value.trim()
    if (msg.trim() === '') { setResult('error', 'type a message first'); return }
    const button = $('message-send')
    button.disabled = true
    setResult('', 'sending…')
    try {
      if (to === '' || to.toLowerCase() === 'everyone') {
        const r = await api('/broadcast', { body: { msg } })
        const n = Array.isArray(r.recipients) ? r.recipients.length : r.recipients
        setResult('ok', 'broadcast sent' + (typeof n === 'number' ? ' to ' + n + ' recipient' + (n === 1 ? '' : 's') : ''))
        addSent('broadcast', null, msg)
      } else {
        await api('/send', { body: { to, msg } })
        setResult('ok', 'delivered to ' + to)
        addSent('direct', to, msg)
      }
      text.value = ''
    } catch (err) {
      setResult('error', 'not sent: ' + err.message)
    } finally {
      button.disabled = false
    }
  })

  // ---- live events -----------------------------------------------------------------------------------------------

  const live = $('live')
  function setLive (on) {
    live.classList.toggle('on', on)
    live.textContent = on ? 'live' : 'reconnecting…'
  }

  function connectEvents () {
    const es = new EventSource(apiUrl('/events'))
    const on = (name, handler) => es.addEventListener(name, (ev) => {
      let data
      try { data = JSON.parse(ev.data) } catch (_) { return }
      if (data) handler(data)
    })

    es.addEventListener('open', () => setLive(true))
    es.addEventListener('error', () => {
      setLive(false)
      // EventSource retries by itself after a network error, but gives up for good on an HTTP error (e.g. 401)
      if (es.readyState === EventSource.CLOSED) { es.close(); setTimeout(connectEvents, 5000) }
    })

    on('hello', (d) => {
      selfId = d.self || selfId
      // a (re)connection may have missed messages and membership changes
      loadMessages()
      refreshGraphSoon()
    })
    on('message', addMessage)
    on('member:join', (d) => {
      if (!d.peerId) return
      lastEventAt.set(d.peerId, Date.now())
      if (leaving.has(d.peerId)) cancelFade(d.peerId)
      const data = nodeData({ id: d.peerId, name: d.name, role: d.role, state: 'alive' })
      const node = cy.getElementById(d.peerId)
      if (node.nonempty()) updateData(node, data)
      else { addNode(data, fallbackPosition()); awaitingEdges.set(d.peerId, Date.now()) }
      updateNames()
      refreshGraphSoon() // its edges, and a place next to them at the next layout
    })
    on('member:suspect', (d) => {
      const node = cy.getElementById(d.peerId)
      lastEventAt.set(d.peerId, Date.now())
      if (isCurrent(node)) node.data('state', 'suspect')
      refreshDetails()
    })
    on('member:dead', (d) => { lastEventAt.set(d.peerId, Date.now()); fadeOut(d.peerId, 'dead') })
    on('member:leave', (d) => { lastEventAt.set(d.peerId, Date.now()); fadeOut(d.peerId, 'left') })
    on('peer:connect', refreshGraphSoon)
    on('peer:disconnect', refreshGraphSoon)
  }

  // ---- start -----------------------------------------------------------------------------------------------------

  // hooks for the browser tests
  window.dashboard = {
    cy,
    nodeCount: () => cy.nodes().filter(n => !leaving.has(n.id())).length,
    hasNode: (name) => cy.nodes().some(n => !leaving.has(n.id()) && n.data('name') === name),
    /** Whether a layout is running or due: nodes are still moving. */
    layoutBusy: () => layout !== null || layoutTimer !== null
  }

  connectEvents()
  loadMessages()
  refreshGraph()
  refreshNetwork()
  setInterval(refreshGraph, POLL_MS)
  setInterval(refreshNetwork, POLL_MS)
})()
