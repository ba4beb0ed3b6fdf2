/**
 * The parts behind the public API, for white-box tests and tools: one entry, so that files can move without
 * breaking them. Not a stable API; the package's users import from the package's root.
 */
export { resolveConfig, DEFAULTS, type NodeConfig } from './config.js'
export type { NodeParts } from './p2p-node.js'
export { parseCliArgs } from './cli/args.js'
export { runtimeProblem } from './runtime-check.js'
export { BoundedMap } from './bounded-map.js'
export { loadOrCreateKey } from './identity.js'
export { batchYamuxWindowUpdates } from './tuning/yamux-window-updates.js'
export { cacheEd25519Keys, keyObjectOf } from './tuning/ed25519-key-cache.js'

export { ConnectionKeeper, type ConnectionKeeperInit } from './discovery/connection-keeper.js'
export { Readiness, type ReadinessInit } from './discovery/readiness.js'
export { broadcastTopic, encodeBroadcast, readBroadcast } from './broadcast/envelope.js'
export { MESH_DEGREE } from './gossip/options.js'
export { networkGraph, toDot } from './http/graph.js'

export { KIND_TO_WIRE, NONCE_BYTES, membershipTopic, readAnnouncement } from './membership/announcements.js'
export { issueCertificate, verifyCertificate } from './verification/certificate.js'
export { MemberList, stretchedInterval } from './membership/members.js'
export { Membership, type MembershipHooks, type MembershipInit } from './membership/membership.js'
export type { Dissemination, FailureDetector } from './membership/seams.js'
export { Trust } from './verification/trust.js'
export { PingChannels } from './membership/ping-channels.js'
export { Registrations, type RegistrationsInit } from './membership/registry/registrations.js'
export { SenderCheck } from './verification/sender-check.js'

export { BAN_STRIKES, PeerGuard, STRIKES } from './protection/peer-guard.js'
export { SameSite, hostAddresses, parseCidr } from './protection/same-site.js'

export { serveRequests } from './wire/framing.js'
export { StreamSlots } from './wire/stream-slots.js'
export { peerIdBytes, readMultiaddrs, readPeerId } from './wire/fields.js'
export { MessageService, type MessageInit } from './direct/index.js'
export { MAX_PEERS_PER_ANSWER } from './discovery/peer-exchange/index.js'
export { MAX_STREAMS as STATUS_MAX_STREAMS } from './status/index.js'
export type { NetworkSize } from './membership/network-size/index.js'

// the generated protobuf codecs; two enums of peer exchange are renamed, as other messages have their own
export { Announcement } from './membership/pb/announcement.js'
export { Broadcast } from './broadcast/pb/broadcast.js'
export { Goodbye, GoodbyeAck } from './membership/goodbye/pb/goodbye.js'
export { DirectMessage, DirectMessageAck } from './direct/pb/message.js'
export { NetworkSizeRequest, NetworkSizeResponse } from './membership/network-size/pb/network-size.js'
export { MemberState as PeerExchangeMemberState, PeerExchangeRequest, PeerExchangeResponse, Role as PeerExchangeRole } from './discovery/peer-exchange/pb/peer-exchange.js'
export { RegistryRequest, RegistryResponse } from './membership/registry/pb/registry.js'
export { StatusRequest, StatusResponse } from './status/pb/status.js'
