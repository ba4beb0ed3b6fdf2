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
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { peerIdsOf, resolveConfig } from './config.js'
import { ConnectionKeeper } from './discovery/connection-keeper.js'
import { Readiness } from './discovery/readiness.js'
import { broadcastTopic } from './broadcast/envelope.js'
import { gossipsubOptions, seenTtl } from './gossip/options.js'
import { Broadcaster } from './broadcast/broadcaster.js'
import { loadOrCreateKey } from './identity.js'
import { NodeMetrics } from './http/metrics.js'
import { MemberList } from './membership/members.js'
import { MemberLookup } from './membership/member-lookup.js'
import { Membership } from './membership/membership.js'
import { pingStreamLifetime } from './membership/ping-channels.js'
import { SenderCheck } from './verification/sender-check.js'
import { Trust } from './verification/trust.js'
import { noiseCrypto } from './tuning/noise-crypto.js'
import { P2PNode } from './p2p-node.js'
import { GossipPolicing } from './protection/gossip-policing.js'
import { PeerGuard } from './protection/peer-guard.js'
import { SameSite } from './protection/same-site.js'
import { goodbyeProtocol } from './membership/goodbye/index.js'
import { MessageService } from './direct/index.js'
import { networkSizeProtocol } from './membership/network-size/index.js'
import { peerExchange } from './discovery/peer-exchange/index.js'
import { registryProtocol } from './membership/registry/index.js'
import { statusProtocol } from './status/index.js'
import { StatusService } from './status/status-service.js'
import { VERSION } from './version.js'
import { UnsupportedRuntimeError } from './errors.js'
import { runtimeProblem } from './runtime-check.js'
import { batchYamuxWindowUpdates } from './tuning/yamux-window-updates.js'
import { cacheEd25519Keys } from './tuning/ed25519-key-cache.js'
import type { NodeInit } from './config.js'
import type { NodeServices } from './public-types.js'

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
  const name = config.name ?? (config.role === 'bootstrap' ? 'bootstrap' : `node-${selfId.toString().slice(-6)}`)
  const members = new MemberList(selfId, config)
  const bootstrapIds = peerIdsOf(config.bootstrap)
  // nodes of one host (or one site an operator names) are not Sybils: they skip the per-host limits
  const sameSite = new SameSite(config.trustedNetworks)
  const guardLog = logger('p2p-node:guard')
  const guard = new PeerGuard({
    limits: config.rateLimits,
    banDuration: config.banDuration,
    exempt: (peer) => peer.equals(selfId),
    log: guardLog
  })
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
      // libp2p's own deadlines (10 s) follow ours when ours are longer: on a loaded machine, a connection or stream
      // reset for a slow event loop is taken for a death at the other end (docs/decisions/libp2p-deadlines.md)
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
      peerExchange: peerExchange({
        protocolPrefix: config.protocolPrefix,
        guard,
        timeout: config.requestTimeout,
        members,
        settleAge: seenTtl(config.replayWindow),
        knows: peer => members.get(peer) != null || bootstrapIds.has(peer.toString()),
        self: { name, role: config.role }
      })
    }
  })
  // a banned peer is hung up on at once; the connection gater keeps it out after
  guard.addEventListener('peer:banned', (evt) => {
    libp2p.hangUp(evt.detail.peerId).catch(err => { guardLog('hanging up on banned %p failed: %s', evt.detail.peerId, err.message) })
  })

  const protocol = { protocolPrefix: config.protocolPrefix, timeout: config.requestTimeout, guard }
  const pubsub = libp2p.services.pubsub
  const topic = broadcastTopic(config.protocolPrefix)
  const bootstraps = config.bootstrap.map(ma => peerIdFromString(ma.getPeerId() ?? ''))
  // by default the network's operators are its bootstraps: a bootstrap's own key orders its network's shutdown
  const operators = config.operators ?? (config.role === 'bootstrap' ? [selfId, ...bootstraps] : bootstraps)
  const trust = new Trust({ self: selfId, members, protocolPrefix: config.protocolPrefix, bootstraps: bootstrapIds, operators: new Set(operators.map(String)) })
  const membership = new Membership({
    libp2p,
    protocols: {
      registry: registryProtocol(libp2p, protocol),
      goodbye: goodbyeProtocol(libp2p, protocol),
      networkSize: networkSizeProtocol(libp2p, protocol)
    },
    members,
    trust,
    protocolPrefix: config.protocolPrefix,
    role: config.role,
    describeSelf: () => ({ name, role: config.role, multiaddrs: libp2p.getMultiaddrs() }),
    broadcastTopic: topic,
    bootstraps: config.bootstrap,
    privateKey,
    guard,
    heartbeatInterval: config.heartbeatInterval,
    pingInterval: config.pingInterval,
    requestTimeout: config.requestTimeout,
    maxAnnouncementAge: seenTtl(config.replayWindow),
    log: libp2p.logger.forComponent('p2p-node:membership')
  })
  const keeper = new ConnectionKeeper({
    libp2p,
    peerExchange: libp2p.services.peerExchange,
    members,
    bootstrap: config.bootstrap,
    role: config.role,
    targetConnections: config.targetConnections,
    maxParallelDials: config.maxParallelDials,
    peerExchangeInterval: config.peerExchangeInterval,
    syncInterval: config.heartbeatInterval,
    dialTimeout: config.requestTimeout,
    log: libp2p.logger.forComponent('p2p-node:discovery')
  })
  const lookup = new MemberLookup({
    self: { peerId: selfId, name },
    members,
    lookUpName: async (wanted, signal) => { await keeper.lookUpName(wanted, signal) },
    lookUpPeer: async (peer) => membership.registrations.lookUp(peer)
  })
  const senderCheck = new SenderCheck({
    members,
    checkCertificate: async (member) => trust.checkCertificate(member),
    lookUp: async (peer) => membership.registrations.lookUp(peer),
    replayWindow: config.replayWindow
  })
  const broadcaster = new Broadcaster({ pubsub, topic, name, maxMessageBytes: config.maxMessageBytes, guard, senderCheck })
  const messages = new MessageService(libp2p, { ...protocol, name, maxMessageBytes: config.maxMessageBytes, senderCheck })
  const readiness = new Readiness({ role: config.role, pubsub, broadcastTopic: topic, membership, keeper, members })
  const status = new StatusService(statusProtocol(libp2p, protocol), {
    peerId: selfId.toString(),
    name,
    role: config.role,
    multiaddrs: () => libp2p.getMultiaddrs().map(String),
    connections: () => libp2p.getConnections().length,
    knownPeers: () => members.live().length,
    meshPeers: () => pubsub.getMeshPeers(topic).length,
    networkSize: () => membership.networkSize().size,
    rejectedMessages: () => broadcaster.counts.rejected + messages.counts.rejected,
    isReady: () => readiness.isReady
  })
  const policing = new GossipPolicing(pubsub, guard)

  const node = new P2PNode({ libp2p, config, name, members, lookup, membership, keeper, readiness, broadcaster, messages, status, policing, guard, metrics }, topic)
  if (config.start) {
    await node.start()
  }
  return node
}
