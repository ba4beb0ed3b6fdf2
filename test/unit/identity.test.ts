import assert from 'node:assert/strict'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreateKey } from '../../dist/internal.js'

const dir = await mkdtemp(join(tmpdir(), 'p2p-node-key-'))
after(async () => { await rm(dir, { recursive: true, force: true }) })

it('creates a key file with mode 0600 and loads the same identity from it again', async () => {
  const path = join(dir, 'node.key')
  const first = await loadOrCreateKey(path)
  assert.equal((await stat(path)).mode & 0o777, 0o600)
  const second = await loadOrCreateKey(path)
  assert.ok(peerIdFromPrivateKey(first).equals(peerIdFromPrivateKey(second)))
})

it('refuses a file that holds no key, naming the file', async () => {
  const path = join(dir, 'garbage.key')
  await writeFile(path, 'not a key')
  await assert.rejects(loadOrCreateKey(path), (err: any) => err.name === 'InvalidKeyFileError' && err.message.includes(path))
})
