/** Limits and deadlines of `/<prefix>/message/1.0.0`, both sides. */
export const PROTOCOL_NAME = 'message'
export const PROTOCOL_VERSION = '1.0.0'
/** Bytes a frame may hold beyond the payload: id (16), name (64), timestamp and tags, with room to spare. */
export const FRAME_OVERHEAD_BYTES = 1024
/**
 * A sender keeps one stream per peer and pipelines messages on it; a few more may be opened while one is being
 * replaced. More than 8 at once from one connection is abuse, not need.
 */
export const MAX_INBOUND_STREAMS = 8
export const MAX_OUTBOUND_STREAMS = 8
/** Unacknowledged messages in flight to one peer; past it send() fails fast rather than queueing without bound. */
export const MAX_IN_FLIGHT = 256
/** A sender closes a stream it has not used for this long; the receiver waits twice as long, so it never closes first. */
export const SENDER_IDLE_TIMEOUT = 30_000
/**
 * Tries of one message: a stream closed under it (its connection pruned or dropped) leaves unknown whether it
 * arrived, so it is sent once more on a new stream; the receiver acknowledges a copy it delivered as a duplicate.
 */
export const MAX_SEND_ATTEMPTS = 2
export const RECEIVER_IDLE_TIMEOUT = 2 * SENDER_IDLE_TIMEOUT
