/** Reading and writing the fields our wire messages share: roles, multiaddrs and peer ids in binary. */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { BoundedMap } from '../bounded-map.js'
import type { Role } from '../config.js'
import type { PeerId } from '@libp2p/interface'

/** Wire enums of role (protons makes them string enums) to our Role and back. Unknown values read as 'peer'. */
export function roleToWire<E extends string> (role: Role): E {
  return (role === 'bootstrap' ? 'BOOTSTRAP' : 'PEER') as E
}

export function roleFromWire (wire: string): Role {
  return wire === 'BOOTSTRAP' ? 'bootstrap' : 'peer'
}

/** Binary multiaddrs, the unreadable ones left out: the others may still be dialable. */
export function readMultiaddrs (addresses: Uint8Array[]): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const bytes of addresses) {
    try {
      out.push(multiaddr(bytes))
    } catch {}
  }
  return out
}

/** A peer id from its binary multihash, or undefined if it is not one. */
export function readPeerId (bytes: Uint8Array | undefined): PeerId | undefined {
  if (bytes == null) {
    return undefined
  }
  try {
    return peerIdFromMultihash(Digest.decode(bytes))
  } catch {
    return undefined
  }
}

const MAX_CACHED_PEER_IDS = 10_000
const peerIdTexts = new BoundedMap<string, string | undefined>(MAX_CACHED_PEER_IDS)

/**
 * A binary peer id as text, or undefined if it is not one. Cached: base58 is costly, and a heartbeat's neighbours
 * are mostly the same peers each time.
 */
export function peerIdText (bytes: Uint8Array): string | undefined {
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  if (!peerIdTexts.has(key)) {
    peerIdTexts.set(key, readPeerId(bytes)?.toString())
  }
  return peerIdTexts.get(key)
}

/** A peer id as our wire messages carry it: its multihash. */
export function peerIdBytes (peerId: PeerId): Uint8Array {
  return peerId.toMultihash().bytes
}
