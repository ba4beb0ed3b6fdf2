/**
 * Node.js 24 cuts small Buffers (under 32 KiB) out of shared 64 KiB slabs; Node.js 22 and older used 8 KiB ones. A
 * node keeps thousands of small buffers for good (peer ids, multiaddrs, peer store records), each allocated among
 * short-lived ones, and each keeps its whole slab alive, so smaller slabs waste less (docs/decisions/buffer-slabs.md).
 */
const BUFFER_POOL_SIZE = 8 * 1024

/** Sets the slab size for this process: the node and bootstrap commands and the swarm's host processes call it first. */
export function useSmallBufferPool (): void {
  Buffer.poolSize = BUFFER_POOL_SIZE
}
