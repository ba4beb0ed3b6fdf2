/**
 * Membership certificates: a bootstrap's signature saying "this peer id registered with me under this name, for
 * this start (nonce)". A node carries its certificate in its announcements, so every other node can check its
 * name once per start with one signature check, instead of asking a bootstrap. A bootstrap certifies itself.
 */
import { fromString as fromUtf8 } from 'uint8arrays/from-string'
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
    // with tuning/ed25519-key-cache.ts installed (createNode() does), this reuses the issuer's key object
    return await issuer.publicKey.verify(signedBytes(protocolPrefix, peer, name, nonce), certificate)
  } catch {
    return false
  }
}
