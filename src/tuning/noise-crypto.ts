/**
 * Noise's ChaCha20-Poly1305, by frame size. Noise's default crypto seals and opens frames under 1,200 bytes in
 * WebAssembly and larger ones with Node's crypto, which builds a cipher object (and checks its key object) for each
 * frame. That set-up makes Node's call cost about the same at any size, while the WebAssembly one grows with the
 * frame, so frames up to 3 KiB, a 1 KiB broadcast and its envelope among them, stay in WebAssembly, where they are
 * cheaper (docs/decisions/noise-small-frames.md).
 */
import { asCrypto, defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'

/** Frames up to this size (bytes) are sealed and opened in WebAssembly. */
const WASM_FRAME_LIMIT = 3 * 1024

export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
    return plaintext.byteLength <= WASM_FRAME_LIMIT
      ? asCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
      : defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
  },
  chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k, dst) {
    return ciphertext.byteLength <= WASM_FRAME_LIMIT
      ? asCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
      : defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
  }
}
