import type { MessageLog } from './message-log.js'
import type { P2PNode } from '../p2p-node.js'
import type { Member } from '../membership/members.js'
import type { PeerId } from '@libp2p/interface'
import type { ServerResponse } from 'node:http'

/** Event streams served at once; past it, GET /events answers 503. */
export const MAX_EVENT_STREAMS = 64
/** A client that falls this far behind is hung up on, so a stalled browser cannot grow the node's memory. */
const MAX_BUFFERED_BYTES = 1024 * 1024
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000

const MEMBER_EVENTS = ['member:join', 'member:suspect', 'member:dead', 'member:leave'] as const
const PEER_EVENTS = ['peer:connect', 'peer:disconnect'] as const

/**
 * Server-sent events for GET /events: `hello` first, then `message` (as in GET /messages), `member:join`,
 * `member:suspect`, `member:dead`, `member:leave` ({ peerId, name, role }) and `peer:connect`, `peer:disconnect`
 * ({ peerId }).
 */
export class EventStreams {
  private readonly node: P2PNode
  private readonly log: MessageLog
  private readonly streams = new Set<() => void>()

  constructor (node: P2PNode, log: MessageLog) {
    this.node = node
    this.log = log
  }

  get full (): boolean {
    return this.streams.size >= MAX_EVENT_STREAMS
  }

  /** Streams events to `res` until the client goes away or close() is called. */
  serve (res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no'
    })
    const send = (event: string, data: unknown): void => {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.destroy()
        return
      }
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    }
    const onMember = (evt: CustomEvent<Member>): void => {
      const { peerId, name, role } = evt.detail
      send(evt.type, { peerId: peerId.toString(), name, role })
    }
    const onPeer = (evt: CustomEvent<PeerId>): void => {
      send(evt.type, { peerId: evt.detail.toString() })
    }
    const unsubscribe = this.log.subscribe(message => { send('message', message) })
    for (const event of MEMBER_EVENTS) this.node.addEventListener(event, onMember)
    for (const event of PEER_EVENTS) this.node.addEventListener(event, onPeer)
    const keepalive = setInterval(() => { res.write(': keepalive\n\n') }, KEEPALIVE_MS)
    keepalive.unref()

    const close = (): void => {
      if (!this.streams.delete(close)) return
      clearInterval(keepalive)
      unsubscribe()
      for (const event of MEMBER_EVENTS) this.node.removeEventListener(event, onMember)
      for (const event of PEER_EVENTS) this.node.removeEventListener(event, onPeer)
      res.end()
    }
    this.streams.add(close)
    res.on('close', close)
    send('hello', { self: this.node.peerId.toString(), name: this.node.name, role: this.node.role })
  }

  /** Ends every stream: the server is stopping. */
  close (): void {
    for (const close of [...this.streams]) close()
  }
}
