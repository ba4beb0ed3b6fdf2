import { randomBytes } from '@libp2p/crypto'
import { toString as toHex } from 'uint8arrays/to-string'
import { HttpError } from './http-error.js'
import { isGone } from '../membership/members.js'
import type { MessageLog } from './message-log.js'
import type { P2PNode } from '../p2p-node.js'
import type { MemberInfo } from '../public-types.js'
import type { FastifyInstance } from 'fastify'

/** A peer as the Flask seed listed it (`node_id`, `friendly_name`), with what we know besides. */
export interface SeedPeer {
  node_id: string
  friendly_name: string
  role: string
  state: string
  addresses: string[]
  connected: boolean
}

/**
 * The Flask seed's HTTP contract, field for field, so that its users' scripts keep working: `GET /`, `GET /peers`
 * and, on nodes, `POST /message`. Fields are only ever added beside the seed's, never renamed.
 */
export function seedRoutes (app: FastifyInstance, node: P2PNode, log: MessageLog): void {
  const peers = (): SeedPeer[] => (node.role === 'bootstrap' ? node.registeredMembers() : node.members().filter(member => !isGone(member))).map(toSeedPeer)

  app.get('/', async (request, reply) => {
    // a browser asks for HTML: it gets the dashboard
    const accept = request.headers.accept ?? ''
    if (accept.includes('text/html')) {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : ''
      return reply.redirect(`/ui${query}`)
    }
    return {
      message: node.role === 'bootstrap' ? 'Bootstrap node is running!' : `Node ${node.name} is running!`,
      node_id: node.peerId.toString(),
      friendly_name: node.name,
      role: node.role,
      peers: peers()
    }
  })

  app.get('/peers', async () => ({ peers: peers() }))

  app.post('/message', {
    schema: {
      body: {
        type: 'object',
        required: ['sender', 'msg'],
        properties: { sender: { type: 'string', minLength: 1, maxLength: 128 }, msg: { type: 'string' } }
      }
    },
    // the seed answered every refusal with "status": "rejected": bad JSON, a bad body, an unknown sender
    config: { errorFields: { status: 'rejected' } }
  }, async (request) => {
    const { sender, msg } = request.body as { sender: string, msg: string }
    const bytes = Buffer.byteLength(msg)
    if (bytes > node.maxMessageBytes) {
      throw new HttpError(413, 'Message too large', `${bytes} bytes; the maximum is ${node.maxMessageBytes}`)
    }
    const member = await node.findMember(sender)
    if (member == null) {
      throw new HttpError(400, 'Unknown sender', `"${sender}" is not a known member of the network`)
    }
    const now = Date.now()
    log.add({
      id: toHex(randomBytes(16), 'base16'),
      kind: 'http',
      from: member.peerId,
      fromName: member.name,
      text: msg,
      sentAt: now,
      receivedAt: now,
      authenticated: false
    })
    return { status: 'received' }
  })
}

function toSeedPeer (member: MemberInfo): SeedPeer {
  return {
    node_id: member.peerId,
    friendly_name: member.name,
    role: member.role,
    state: member.state,
    addresses: member.multiaddrs,
    connected: member.connected
  }
}
