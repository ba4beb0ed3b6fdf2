import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { Uint8ArrayList } from 'uint8arraylist'
import { cacheEd25519Keys, keyObjectOf } from '../../dist/internal.js'

describe('cached Ed25519 key objects', () => {
  it('give every signature check the verdict @libp2p/crypto gives, and reuse one key object per key', async () => {
    const signer = await generateKeyPair('Ed25519')
    const stranger = await generateKeyPair('Ed25519')
    const data = new Uint8Array(1100).fill(7)
    const signature = await signer.sign(data)
    const tampered = Uint8Array.from(signature)
    tampered[10] ^= 1
    const otherData = Uint8Array.from(data)
    otherData[0] ^= 1
    // a fresh key object per check, as every message's sender key is decoded anew
    const cases = [
      { key: signer.publicKey.raw, data, signature },
      { key: signer.publicKey.raw, data: new Uint8ArrayList(data.subarray(0, 500), data.subarray(500)), signature },
      { key: signer.publicKey.raw, data, signature: tampered },
      { key: signer.publicKey.raw, data: otherData, signature },
      { key: stranger.publicKey.raw, data, signature }
    ]
    const check = async (): Promise<boolean[]> => Promise.all(cases.map(async c => publicKeyFromRaw(c.key).verify(c.data, c.signature)))
    const original = await check()
    assert.deepEqual(original, [true, true, false, false, false])

    cacheEd25519Keys()
    cacheEd25519Keys() // idempotent: a second wrapper would still be correct, but must not stack
    assert.deepEqual(await check(), original)
    assert.equal(keyObjectOf(signer.publicKey.raw), keyObjectOf(Uint8Array.from(signer.publicKey.raw)))

    // a signature of the wrong length takes @libp2p/crypto's own path and error
    assert.throws(() => publicKeyFromRaw(signer.publicKey.raw).verify(data, signature.subarray(0, 63)), /64 bytes/)
  })
})
