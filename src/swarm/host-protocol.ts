/**
 * What the swarm's coordinator and its host processes say to each other over the IPC channel. A host runs one
 * or many nodes in its event loop; nodes are named by their index: 0 is the bootstrap, 1..N the peer nodes.
 */

import type { NodeInit } from '../config.js'

/** Node options that can cross the IPC channel. */
export type NodeOptions = Omit<NodeInit, 'privateKey' | 'role' | 'name' | 'bootstrap' | 'start'>

export type HostRequest = { id: number } & (
  | { op: 'create', index: number, role: 'bootstrap' | 'peer', bootstrap: string[], readyTimeout: number, options?: NodeOptions }
  | { op: 'send', from: number, to?: string, messageId: number, bytes: number }
  | { op: 'views' }
  /** Each node's connected peers, by peer id. */
  | { op: 'connections' }
  /** The process's memory and CPU time: the footprint of the nodes it runs. */
  | { op: 'usage' }
  | { op: 'leave', index: number }
)

export interface CreatedNode {
  index: number
  peerId: string
  multiaddrs: string[]
}

/** One node's view, summed up. */
export interface NodeView {
  index: number
  /** Other members it holds alive or suspect. */
  live: number
  meshPeers: number
}

export type HostReply =
  | { type: 'ready' }
  | { type: 'reply', id: number, ok: true, value?: unknown }
  | { type: 'reply', id: number, ok: false, error: string }
  /** Arrivals of swarm messages: [message id, receiving node, ms from the send call to the message event]. */
  | { type: 'receipts', receipts: Array<[number, number, number]> }
  /** A node saw a member leave or die: [observer, the member's peer id, 'leave' or 'dead', when (ms since the epoch, fractional)]. */
  | { type: 'departures', departures: Departure[] }
  /** Messages a node refused (see P2PNode's message:rejected): [receiving node, kind and reason]. */
  | { type: 'refusals', refusals: Refusal[] }

export type Departure = [number, string, 'leave' | 'dead', number]

export type Refusal = [number, string]

export interface Usage {
  rss: number
  heapUsed: number
  /** CPU time since the process started, user and system, in microseconds. */
  cpu: number
}

/** A swarm message's payload starts with this, its id and its send time; the rest is padding to the asked size. */
export const PAYLOAD_PREFIX = 'swarm:'

/** The smallest payload that holds the prefix, an id and a time. */
export const MIN_PAYLOAD_BYTES = 48

/** A clock shared by every process of the machine, with sub-millisecond resolution. */
export function now (): number {
  return performance.timeOrigin + performance.now()
}

export function encodePayload (messageId: number, sentAt: number, bytes: number): string {
  const head = `${PAYLOAD_PREFIX}${messageId}:${sentAt.toFixed(3)}:`
  return head.padEnd(bytes, '.')
}

/** The id and send time of a swarm message, or undefined for any other payload. */
export function decodePayload (text: string): { messageId: number, sentAt: number } | undefined {
  const match = /^swarm:(\d+):(\d+\.\d+):/.exec(text)
  return match == null ? undefined : { messageId: Number(match[1]), sentAt: Number(match[2]) }
}
