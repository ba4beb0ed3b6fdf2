/**
 * gossipsub's options, for both topics (broadcasts and membership): scoring that only punishes, the mesh degree, decode
 * limits, and what makes one host hold dozens of nodes without weakening what protects real networks.
 */
import { createHash } from 'node:crypto'
import { createTopicScoreParams } from '@chainsafe/libp2p-gossipsub/score'
import type { PeerGuard } from '../protection/peer-guard.js'
import type { SameSite } from '../protection/same-site.js'
import type { GossipsubOpts } from '@chainsafe/libp2p-gossipsub'
import { membershipTopic } from '../membership/announcements.js'
import { ENVELOPE_OVERHEAD_BYTES, broadcastTopic } from '../broadcast/envelope.js'
import type { NodeConfig } from '../config.js'

/**
 * Topic scoring that only punishes: invalid messages (a bad signature, or rejected by our validator) cost the peer
 * that delivered them -10 x count^2, decaying by half about every 7 s, so three of them in a row put it below the
 * graylist threshold (-80). Mesh delivery counters stay off: on an idle network they would punish honest quiet peers.
 */
/** gossipsub ignores a peer scored below this; we hang up on it and ban it. gossipsub's default. */
export const GRAYLIST_THRESHOLD = -80

const PUNISH_INVALID_ONLY = {
  topicWeight: 1,
  timeInMeshWeight: 0,
  firstMessageDeliveriesWeight: 0,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.9
}

/**
 * How long gossipsub remembers the ids it has seen, dropping copies: twice the replay window. A broadcast copy older
 * than that is refused by its timestamp; so is an announcement (membership/announcer.ts).
 */
export function seenTtl (replayWindow: number): number {
  return 2 * replayWindow
}

/**
 * A peer's mesh degree, in both topics: 4 (3 to 8) instead of gossipsub's 6 (4 to 12). Every mesh peer sends a node
 * each message once, and on one machine those copies are what a broadcast costs (each one length prefixing, yamux and
 * Noise on both ends): the extra hop a thinner mesh costs is cheaper than the duplicates it saves, and gossip
 * (IHAVE/IWANT) still repairs what it misses. Dhi: meshes grow past D with the GRAFTs of joining nodes, and are
 * pruned back only past Dhi. Not lower than 8: a mesh at Dhi refuses a GRAFT over a connection it did not dial (see
 * ConnectionKeeper.widen), so a lower Dhi can leave a node with few connections under Dlo
 * (docs/decisions/mesh-degree.md). Dscore: of the peers kept when a mesh is pruned, how many are chosen by score
 * (the rest at random).
 */
export const MESH_DEGREE = { D: 4, Dlo: 3, Dhi: 8, Dout: 2, Dscore: 3 }

/**
 * `sameSite`: addresses spared gossipsub's IP-colocation penalty (-5 * (peers on one IP - 10)^2), which would graylist
 * every peer of a host running more than about 13 nodes. Peers at any other address keep it.
 */
export function gossipsubOptions (config: NodeConfig, guard: PeerGuard, sameSite: SameSite): Partial<GossipsubOpts> {
  const topic = broadcastTopic(config.protocolPrefix)
  const membership = membershipTopic(config.protocolPrefix)
  const maxRpcBytes = 4 * (config.maxMessageBytes + ENVELOPE_OVERHEAD_BYTES) + 64 * 1024
  return {
    globalSignaturePolicy: 'StrictSign',
    emitSelf: false,
    // a node alone (or still joining) may broadcast; it is told it reached nobody
    allowPublishToZeroTopicPeers: true,
    allowedTopics: [topic, membership],
    fastMsgIdFn,
    heartbeatInterval: config.gossipHeartbeatInterval,
    seenTTL: seenTtl(config.replayWindow),
    // IDONTWANT saves bandwidth on large messages; for heartbeats and short broadcasts it only doubles the frames
    idontwantMinDataSize: 16 * 1024,
    // gossipsub's decode limits are unlimited by default: a peer could make us track any number of topics or ids
    maxInboundDataLength: Math.max(maxRpcBytes, 1024 * 1024),
    decodeRpcLimits: {
      maxSubscriptions: 64,
      maxMessages: 256,
      maxIhaveMessageIDs: 5000,
      maxIwantMessageIDs: 5000,
      maxIdontwantMessageIDs: 5000,
      maxControlMessages: 1024,
      maxPeerInfos: 16
    },
    scoreThresholds: { gossipThreshold: -10, publishThreshold: -50, graylistThreshold: GRAYLIST_THRESHOLD },
    scoreParams: {
      IPColocationFactorWhitelist: sameSite.colocationWhitelist(),
      // our strikes (rate limits, malformed frames, invalid messages) are the application part of the score
      appSpecificScore: (peer) => guard.score(peer),
      appSpecificWeight: 1,
      // gossipsub's behaviour penalty (promised messages not delivered, GRAFTs during a backoff) is -10 per count²
      // by default: three in a burst pass the graylist, and we ban below it. Honest peers earn them on lossy links,
      // after a partition heals and on a starved CPU (docs/decisions/behaviour-penalty.md). Counted from 6 and
      // weighed -1, it takes a burst of 15 to get there: still a ban for a peer that lies in its IHAVEs, not for a
      // slow one.
      behaviourPenaltyWeight: -1,
      behaviourPenaltyThreshold: 6,
      topics: { [topic]: createTopicScoreParams(PUNISH_INVALID_ONLY), [membership]: createTopicScoreParams(PUNISH_INVALID_ONLY) }
    },
    // A bootstrap stays out of the mesh, as the gossipsub v1.1 spec advises for bootstrappers: a mesh built
    // around it is a star, which loses broadcasts and dies with it. It still hears everything through gossip.
    ...(config.role === 'bootstrap' ? { D: 0, Dlo: 0, Dhi: 0, Dout: 0, Dscore: 0, doPX: true } : MESH_DEGREE)
  }
}

/**
 * Identifies a raw message before its signature is checked, so duplicate copies skip the check. It covers the
 * signature too: otherwise a forged copy seen first would make the genuine one look like a duplicate.
 */
function fastMsgIdFn (msg: { from?: Uint8Array, seqno?: Uint8Array, data?: Uint8Array, signature?: Uint8Array }): string {
  const hash = createHash('sha256')
  for (const part of [msg.from, msg.seqno, msg.data, msg.signature]) {
    hash.update(part ?? new Uint8Array())
  }
  return hash.digest('base64')
}
