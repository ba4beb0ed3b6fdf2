/**
 * Membership certificates: a bootstrap's signature saying "this peer id registered with me under this name, for
 * this start (nonce)". A node carries its certificate in its announcements, so every other node can check its
 * name once per start with one signature check, instead of asking a bootstrap. A bootstrap certifies itself.
 */
import { createPublicKey, verify as verifyEd25519, type KeyObject } from 'node:crypto'
import { fromString as fromUtf8 } from 'uint8arrays/from-string'
import { toString as toBase64url } from 'uint8arrays/to-string'
import { concat } from 'uint8arrays/concat'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/** An Ed25519 signature is 64 bytes; room for other key types. */
export const MAX_CERTIFICATE_BYTES = 1024

/** A certificate as a member carries it: its issuer and the issuer's signature. */
export interface Certificate {
  issuer: PeerId
  signature: Uint8Array
}

/** What a certificate covers; the domain string keeps the signature from meaning anything anywhere else. */
function signedBytes (protocolPrefix: string, peer: PeerId, name: string, nonce: Uint8Array): Uint8Array {
  const domain = fromUtf8(`/${protocolPrefix}/member-certificate/1\n`)
  const nameBytes = fromUtf8(name)
  return concat([domain, Uint8Array.of(nameBytes.byteLength), nameBytes, Uint8Array.of(nonce.byteLength), nonce, peer.toMultihash().bytes])
}

/** Signs `peer`'s registration under `name` for the start `nonce`. */
export async function issueCertificate (key: PrivateKey, protocolPrefix: string, peer: PeerId, name: string, nonce: Uint8Array): Promise<Uint8Array> {
  return key.sign(signedBytes(protocolPrefix, peer, name, nonce))
}

/**
 * Whether `issuer` signed `certificate` for `peer`, `name` and `nonce`. False, never a throw, for anything that is
 * not such a signature (an issuer whose id does not embed its public key included).
 */
export async function verifyCertificate (issuer: PeerId, certificate: Uint8Array, protocolPrefix: string, peer: PeerId, name: string, nonce: Uint8Array): Promise<boolean> {
  if (issuer.publicKey == null || certificate.byteLength === 0 || certificate.byteLength > MAX_CERTIFICATE_BYTES) {
    return false
  }
  try {
    const data = signedBytes(protocolPrefix, peer, name, nonce)
    const key = ed25519Key(issuer)
    return key == null ? await issuer.publicKey.verify(data, certificate) : verifyEd25519(null, data, key, certificate)
  } catch {
    return false
  }
}

/**
 * Ed25519 issuers' keys as Node.js key objects, kept: @libp2p/crypto builds one for every check, and in a swarm of
 * 700 that was half the time spent checking certificates. A network has few issuers (its bootstraps, and members
 * that admitted someone), so a small cache holds them all.
 */
const issuerKeys = new Map<string, KeyObject>()
const MAX_ISSUER_KEYS = 64

function ed25519Key (issuer: PeerId): KeyObject | undefined {
  if (issuer.type !== 'Ed25519') {
    return undefined
  }
  const id = issuer.toString()
  let key = issuerKeys.get(id)
  if (key == null) {
    key = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: toBase64url(issuer.publicKey.raw, 'base64url') } })
    if (issuerKeys.size >= MAX_ISSUER_KEYS) {
      issuerKeys.delete(issuerKeys.keys().next().value as string)
    }
    issuerKeys.set(id, key)
  }
  return key
}
