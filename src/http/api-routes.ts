import { HttpError } from './http-error.js'
import { networkGraph, toDot } from './graph.js'
import type { EventStreams } from './events.js'
import type { MessageLog } from './message-log.js'
import type { P2PNode } from '../p2p-node.js'
import type { FastifyInstance } from 'fastify'

/** Messages GET /messages returns without a limit; the most it returns is all the log keeps. */
const DEFAULT_LISTED_MESSAGES = 100

const COUNT = { type: 'string', pattern: '^[0-9]{1,9}$' }
/** A message's text: an empty one is refused, as the console ignores an empty line. */
const TEXT = { type: 'string', minLength: 1 }

/** The P2P paths: authenticated broadcast and direct messages, and what the node knows of the network. */
export function apiRoutes (app: FastifyInstance, node: P2PNode, log: MessageLog, events: EventStreams): void {
  app.get('/health', async (_request, reply) => {
    if (!node.isStarted) {
      return reply.code(503).send({ status: 'unavailable', error: 'Not started', detail: 'the node is starting or stopping' })
    }
    return { status: 'ok', name: node.name, peerId: node.peerId.toString(), role: node.role, ready: node.isReady }
  })

  app.post('/broadcast', {
    schema: { body: { type: 'object', required: ['msg'], properties: { msg: TEXT } } }
  }, async (request) => {
    const { msg } = request.body as { msg: string }
    const { id, recipients } = await node.broadcast(msg)
    return { status: 'sent', id, recipients }
  })

  app.post('/send', {
    schema: { body: { type: 'object', required: ['to', 'msg'], properties: { to: { type: 'string', minLength: 1, maxLength: 128 }, msg: TEXT } } }
  }, async (request) => {
    const { to, msg } = request.body as { to: string, msg: string }
    const { id, peerId } = await node.send(to, msg)
    return { status: 'delivered', id, peerId }
  })

  app.get('/messages', {
    schema: { querystring: { type: 'object', properties: { limit: COUNT, since: COUNT } } }
  }, async (request) => {
    const query = request.query as { limit?: string, since?: string }
    return { messages: log.list(Number(query.limit ?? DEFAULT_LISTED_MESSAGES), Number(query.since ?? 0)) }
  })

  app.get('/status', {
    schema: { querystring: { type: 'object', properties: { peer: { type: 'string', minLength: 1, maxLength: 128 } } } }
  }, async (request) => {
    const { peer } = request.query as { peer?: string }
    return node.status(peer, { signal: AbortSignal.timeout(node.requestTimeout) })
  })

  app.get('/network', async () => node.networkStatus())

  app.get('/members', async () => ({ members: node.members() }))

  app.get('/graph', {
    schema: { querystring: { type: 'object', properties: { format: { type: 'string', enum: ['json', 'dot'] } } } }
  }, async (request, reply) => {
    const graph = networkGraph({
      self: {
        id: node.peerId.toString(),
        name: node.name,
        role: node.role,
        neighbours: node.libp2p.getPeers().map(String),
        mesh: node.meshPeerIds()
      },
      members: node.members()
    })
    if ((request.query as { format?: string }).format === 'dot') {
      return reply.type('text/vnd.graphviz; charset=utf-8').send(toDot(graph))
    }
    return graph
  })

  app.get('/events', async (request, reply) => {
    if (events.full) {
      throw new HttpError(503, 'Too many event streams', 'close another GET /events first')
    }
    reply.hijack()
    events.serve(reply.raw)
  })
}
