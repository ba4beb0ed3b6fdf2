import type { NodeMessage } from '../public-types.js'

/** A message as the HTTP API shows it: what the node received, by broadcast, directly, or through POST /message. */
export interface LoggedMessage {
  /** Increases by one per message logged: `GET /messages?since=` pages with it. */
  seq: number
  id: string
  /** 'http': recorded by POST /message, as the Flask seed did; its sender is a known member, but it is unauthenticated. */
  kind: 'broadcast' | 'direct' | 'http'
  /** The sender's peer id. */
  from: string
  fromName: string
  text: string
  /** Sender's clock for P2P messages; this node's for 'http' ones. ms since the epoch. */
  sentAt: number
  receivedAt: number
  /** True when the sender was authenticated by its key (the P2P paths); false for POST /message. */
  authenticated: boolean
}

/** The newest `capacity` messages this node received, oldest first, and listeners for new ones. */
export class MessageLog {
  private readonly entries: LoggedMessage[] = []
  private readonly listeners = new Set<(message: LoggedMessage) => void>()
  private readonly capacity: number
  private nextSeq = 1

  constructor (capacity: number) {
    this.capacity = capacity
  }

  addReceived (message: NodeMessage): LoggedMessage {
    return this.add({
      id: message.id,
      kind: message.kind,
      from: message.from.toString(),
      fromName: message.fromName,
      text: message.text,
      sentAt: message.sentAt,
      receivedAt: message.receivedAt,
      authenticated: true
    })
  }

  add (message: Omit<LoggedMessage, 'seq'>): LoggedMessage {
    const entry = { seq: this.nextSeq++, ...message }
    this.entries.push(entry)
    if (this.entries.length > this.capacity) {
      this.entries.shift()
    }
    for (const listener of this.listeners) {
      listener(entry)
    }
    return entry
  }

  /** Up to `limit` messages with a seq above `since`, the newest ones, oldest first. */
  list (limit: number, since = 0): LoggedMessage[] {
    const newer = this.entries.filter(entry => entry.seq > since)
    return newer.slice(Math.max(0, newer.length - limit))
  }

  /** Calls `listener` for every message logged from now on; returns how to stop. */
  subscribe (listener: (message: LoggedMessage) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }
}
