import { readFile, writeFile } from 'node:fs/promises'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { InvalidKeyFileError, messageOf } from './errors.js'
import type { PrivateKey } from '@libp2p/interface'

/**
 * Loads the private key kept in `path`, or creates an Ed25519 key there (mode 0600) when the file does not
 * exist, so that a node's peer id, and so its multiaddr, survives restarts. The file holds libp2p's protobuf
 * encoding of the key, as go-libp2p and js-libp2p write it.
 */
export async function loadOrCreateKey (path: string): Promise<PrivateKey> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new InvalidKeyFileError(path, messageOf(err))
    }
    const key = await generateKeyPair('Ed25519')
    try {
      // 'wx' fails if another process created the file meanwhile, rather than overwriting its key
      await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
    } catch (writeErr) {
      throw new InvalidKeyFileError(path, messageOf(writeErr))
    }
    return key
  }
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new InvalidKeyFileError(path, `not a libp2p private key (${messageOf(err)})`)
  }
}
