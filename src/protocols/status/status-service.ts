import { multiaddr } from '@multiformats/multiaddr'
import { requestOnce, serveRequests } from '../framing.js'
import { roleFromWire, roleToWire } from '../roles.js'
import { StatusRequest, StatusResponse } from './pb/status.js'
import { MAX_ADDRESSES, MAX_FRAME_BYTES, MAX_STREAMS, PROTOCOL_NAME, PROTOCOL_VERSION } from './index.js'
import type { NodeStatus, StatusComponents, StatusInit } from './index.js'
import type { IncomingStreamData, Logger, PeerId, Startable } from '@libp2p/interface'

/** Serves and asks `/<prefix>/status/1.0.0`: an empty request, answered by a StatusResponse. */
export class StatusService implements Startable {
  readonly protocol: string
  readonly [Symbol.toStringTag] = 'p2p-node:status'
  private readonly components: StatusComponents
  private readonly timeout: number
  private readonly getStatus: () => NodeStatus
  private readonly log: Logger
  private started = false

  constructor (components: StatusComponents, init: StatusInit) {
    this.components = components
    this.protocol = `/${init.protocolPrefix}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`
    this.timeout = init.timeout
    this.getStatus = init.getStatus
    this.log = components.logger.forComponent('p2p-node:status')
    this.handleStream = this.handleStream.bind(this)
  }

  async start (): Promise<void> {
    if (this.started) {
      return
    }
    await this.components.registrar.handle(this.protocol, this.handleStream, {
      maxInboundStreams: MAX_STREAMS,
      maxOutboundStreams: MAX_STREAMS
    })
    this.started = true
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(this.protocol)
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  /** Asks `peer` for its status. */
  async query (peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<NodeStatus> {
    const signal = options.signal ?? AbortSignal.timeout(this.timeout)
    const connection = await this.components.connectionManager.openConnection(peer, { signal })
    const stream = await connection.newStream(this.protocol, { signal })
    const frame = await requestOnce(stream, StatusRequest.encode({}), { maxSize: MAX_FRAME_BYTES, signal })
    // the peer id is the one Noise authenticated, whatever the answer says
    return { ...fromWire(StatusResponse.decode(frame, { limits: { addresses: MAX_ADDRESSES } })), peerId: connection.remotePeer.toString() }
  }

  private handleStream ({ stream }: IncomingStreamData): void {
    serveRequests(stream, { maxSize: MAX_FRAME_BYTES, idleTimeout: this.timeout, log: this.log }, (frame) => {
      StatusRequest.decode(frame) // an empty message: only checks that the frame is protobuf at all
      return { reply: StatusResponse.encode(toWire(this.getStatus())), end: true }
    })
  }
}

function toWire (status: NodeStatus): StatusResponse {
  return {
    peerId: status.peerId,
    name: status.name,
    role: roleToWire<StatusResponse.Role>(status.role),
    version: status.version,
    uptimeMs: status.uptimeMs,
    addresses: status.multiaddrs.slice(0, MAX_ADDRESSES).map(ma => multiaddr(ma).bytes),
    connections: status.connections,
    knownPeers: status.knownPeers,
    meshPeers: status.meshPeers
  }
}

function fromWire (response: StatusResponse): NodeStatus {
  const multiaddrs: string[] = []
  for (const bytes of response.addresses) {
    try {
      multiaddrs.push(multiaddr(bytes).toString())
    } catch {
      // an unreadable address is left out; the rest of the status is still worth having
    }
  }
  return {
    peerId: response.peerId,
    name: response.name,
    role: roleFromWire(response.role),
    version: response.version,
    uptimeMs: response.uptimeMs,
    multiaddrs,
    connections: response.connections,
    knownPeers: response.knownPeers,
    meshPeers: response.meshPeers
  }
}
