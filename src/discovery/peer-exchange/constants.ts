/** Limits of `/<prefix>/peer-exchange/1.0.0`, both sides. */
export const PROTOCOL_NAME = 'peer-exchange'
export const PROTOCOL_VERSION = '1.0.0'
/** Peers in one answer: enough to fill a node's connections several times over, small enough for one frame. */
export const MAX_PEERS_PER_ANSWER = 64
/** Addresses kept per peer; a host with more is unusual and the rest are not worth the bytes. */
export const MAX_ADDRESSES_PER_PEER = 8
/** A record is a peer id, a name, 8 addresses and a certificate: well under 2 KiB, so 64 of them fit in 128 KiB. */
export const MAX_FRAME_BYTES = 128 * 1024
/** A node asks every few seconds at most; more than 4 streams at once from one connection is abuse. */
export const MAX_STREAMS = 4
/** Pages one sync reads at most: the view holds at most 10,000 members, 64 a page. */
export const MAX_PAGES = 160
