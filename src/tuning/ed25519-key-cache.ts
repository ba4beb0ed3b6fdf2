/**
 * Ed25519 signature checks with a cached key object per public key. @libp2p/crypto (v5, on Node) builds a new
 * node:crypto KeyObject from a JWK for every signature it checks, and gossipsub checks one for every broadcast and
 * heartbeat a node receives first. That import is a sizeable part of each check, and needless for a key seen before
 * (docs/decisions/ed25519-key-objects.md). The check itself is unchanged: the same bytes, the same node:crypto verify.
 *
 * The public key class is not exported, so its method is wrapped, once per process, through an instance.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { BoundedMap } from '../bounded-map.js'
import type { Ed25519PublicKey } from '@libp2p/interface'

const PUBLIC_KEY_BYTES = 32
const SIGNATURE_BYTES = 64
/** Keys kept; past this many the oldest goes. A network's members, with room (each entry is about 200 bytes). */
const KEY_CACHE_SIZE = 10_000

const keys = new BoundedMap<string, KeyObject>(KEY_CACHE_SIZE)
let installed = false

/** The KeyObject of a raw Ed25519 public key, imported once. Throws, as @libp2p/crypto does, if it is not a key. */
export function keyObjectOf (raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64')
  let key = keys.get(id)
  if (key == null) {
    key = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') } })
    keys.set(id, key)
  }
  return key
}

/** Makes every Ed25519 public key in this process check signatures with a cached key object. Idempotent. */
export function cacheEd25519Keys (): void {
  if (installed) {
    return
  }
  installed = true
  const prototype = Object.getPrototypeOf(publicKeyFromRaw(new Uint8Array(PUBLIC_KEY_BYTES))) as Ed25519PublicKey
  const original = prototype.verify
  prototype.verify = function (this: Ed25519PublicKey, data, sig, options) {
    // anything unusual takes the original path, with its own errors
    if (this.raw.byteLength !== PUBLIC_KEY_BYTES || !(sig instanceof Uint8Array) || sig.byteLength !== SIGNATURE_BYTES) {
      return original.call(this, data, sig, options)
    }
    options?.signal?.throwIfAborted()
    return verify(null, data instanceof Uint8Array ? data : data.subarray(), keyObjectOf(this.raw), sig)
  }
}
