import { gossipsub, type GossipSub, type GossipSubComponents } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { logger } from '@libp2p/logger'
import { createLibp2p } from 'libp2p'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { peerIdsOf, resolveConfig } from './config.js'
import { gossipsubOptions, seenTtl } from './gossip/broadcast.js'
import { loadOrCreateKey } from './identity.js'
import { NodeMetrics } from './http/metrics.js'
import { MemberList } from './membership/members.js'
import { pingStreamLifetime } from './membership/ping-channels.js'
import { noiseCrypto } from './noise-crypto.js'
import { P2PNode, type NodeServices } from './p2p-node.js'
import { PeerGuard } from './protection/peer-guard.js'
import { SameSite } from './protection/same-site.js'
import { goodbye } from './protocols/goodbye/index.js'
import { directMessages } from './protocols/message/index.js'
import { networkSize } from './protocols/network-size/index.js'
import { peerExchange } from './protocols/peer-exchange/index.js'
import { registry } from './protocols/registry/index.js'
import { status } from './protocols/status/index.js'
import { VERSION } from './version.js'
import { UnsupportedRuntimeError } from './errors.js'
import { runtimeProblem } from './runtime-check.js'
import { batchYamuxWindowUpdates } from './yamux-window-updates.js'
import { cacheEd25519Keys } from './ed25519-key-cache.js'
import type { NodeInit } from './config.js'

/** libp2p's default for upgrading a connection, negotiating a stream's protocol and a ping. */
const LIBP2P_TIMEOUT = 10_000

/**
 * Creates a node of the network: a bootstrap or a peer, one code path for both. The node is started before it is
 * returned, unless `start: false`. Throws InvalidOptionError (naming the option) on bad options, and
 * UnsupportedRuntimeError on a Node.js older than 22.
 */
export async function createNode (init: NodeInit = {}): Promise<P2PNode> {
  const problem = runtimeProblem()
  if (problem != null) {
    throw new UnsupportedRuntimeError(problem)
  }
  const config = resolveConfig(init)
  batchYamuxWindowUpdates()
  cacheEd25519Keys()
  const privateKey = config.privateKey ?? (config.keyFile != null ? await loadOrCreateKey(config.keyFile) : await generateKeyPair('Ed25519'))
  const selfId = peerIdFromPrivateKey(privateKey)
  const members = new MemberList(selfId, config)
  const bootstrapIds = peerIdsOf(config.bootstrap)
  // nodes of one host (or one site an operator names) are not Sybils: they skip the per-host limits
  const sameSite = new SameSite(config.trustedNetworks)
  const guard = new PeerGuard({
    limits: config.rateLimits,
    banDuration: config.banDuration,
    exempt: (peer) => peer.equals(selfId),
    log: logger('p2p-node:guard')
  })
  // the services below ask the node about itself; it exists by the time they are started
  // eslint-disable-next-line prefer-const -- assigned once, after the services that read it through self()
  let node: P2PNode | undefined
  const self = (): P2PNode => {
    if (node == null) {
      throw new Error('the node is not constructed yet')
    }
    return node
  }

  // libp2p's own metrics, for GET /metrics: only with an HTTP API to serve them
  const metrics = config.http != null ? new NodeMetrics() : undefined
  const libp2p = await createLibp2p<NodeServices>({
    privateKey,
    ...(metrics != null ? { metrics: () => metrics } : {}),
    start: false,
    addresses: {
      listen: config.listen,
      announce: config.announce
    },
    transports: [tcp()],
    connectionEncrypters: [noise({ crypto: noiseCrypto })],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: config.maxConnections,
      // libp2p's per-host limits (5 new inbound connections a second, 10 pending) would refuse a one-host network
      allow: sameSite.multiaddrs(),
      dialTimeout: config.requestTimeout,
      // libp2p's own deadlines (10 s) follow ours when ours are longer: a swarm slowed down for a loaded machine
      // scales requestTimeout, and an inbound connection or stream that waited 10 s for a busy event loop was reset,
      // which the peer at the other end took for a death (a 1,000-node swarm then flooded itself with DEAD notices)
      inboundUpgradeTimeout: Math.max(LIBP2P_TIMEOUT, config.requestTimeout),
      protocolNegotiationTimeout: Math.max(LIBP2P_TIMEOUT, config.requestTimeout)
    },
    // banned peers are kept out both ways
    connectionGater: guard.gater(),
    // our liveness checks ping every peer and report the dead ones; libp2p's monitor would only drop them silently
    connectionMonitor: { enabled: false },
    peerDiscovery: config.bootstrap.length > 0
      ? [bootstrap({ list: config.bootstrap.map(ma => ma.toString()), timeout: 0 })]
      : [],
    nodeInfo: { name: 'p2p-node', version: VERSION },
    services: {
      identify: identify(),
      // our liveness checks ping on one stream per peer (PingChannels), which this timeout resets: it must outlive
      // many pings. Room for a second stream while a channel is replaced (each way, and both peers pinging)
      ping: ping({
        timeout: Math.max(LIBP2P_TIMEOUT, config.requestTimeout, pingStreamLifetime(config.pingInterval)),
        maxOutboundStreams: 2,
        maxInboundStreams: 4
      }),
      // gossipsub() is typed as a plain PubSub; the instance is a GossipSub, whose mesh we read
      pubsub: gossipsub(gossipsubOptions(config, guard, sameSite)) as (components: GossipSubComponents) => GossipSub,
      status: status({
        protocolPrefix: config.protocolPrefix,
        guard,
        timeout: config.requestTimeout,
        getStatus: () => self().localStatus()
      }),
      peerExchange: peerExchange({
        protocolPrefix: config.protocolPrefix,
        guard,
        timeout: config.requestTimeout,
        members,
        settleAge: seenTtl(config.replayWindow),
        knows: peer => members.get(peer) != null || bootstrapIds.has(peer.toString()),
        describeSelf: () => ({ name: self().name, role: config.role, multiaddrs: self().libp2p.getMultiaddrs() })
      }),
      messages: directMessages({
        protocolPrefix: config.protocolPrefix,
        guard,
        timeout: config.requestTimeout,
        maxMessageBytes: config.maxMessageBytes,
        name: () => self().name,
        refusal: async (from, message) => self().refusal(from, message.senderName, message.id, message.sentAt)
      }),
      networkSize: networkSize({
        protocolPrefix: config.protocolPrefix,
        guard,
        timeout: config.requestTimeout,
        getSize: () => self().membership.networkSize()
      }),
      goodbye: goodbye({
        protocolPrefix: config.protocolPrefix,
        guard,
        timeout: config.requestTimeout,
        onGoodbye: (peer, reason, message) => { self().membership.onGoodbye(peer, reason, message) }
      }),
      registry: registry({
        protocolPrefix: config.protocolPrefix,
        guard,
        timeout: config.requestTimeout,
        handle: async (request, connection) => self().membership.registrations.handle(request, connection)
      })
    }
  })

  node = new P2PNode(libp2p, config, members, privateKey, guard, metrics)
  if (config.start) {
    await node.start()
  }
  return node
}
