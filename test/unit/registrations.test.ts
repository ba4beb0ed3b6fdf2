import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Registrations, RegistryResponse } from '../../dist/internal.js'
import type { RegistrationsInit } from '../../dist/internal.js'
import type { PeerId } from '@libp2p/interface'

const newPeerId = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

/** Registrations over a stub of libp2p: one connected bootstrap whose LOOKUP answers come from `answers`, in turn. */
async function withBootstrap (answers: Array<RegistryResponse | Error>): Promise<{ registrations: Registrations, asked: () => number }> {
  const bootstrap = await newPeerId()
  let asked = 0
  const libp2p = { getPeers: () => [bootstrap] }
  const registry = {
    ask: async () => {
      const answer = answers[Math.min(asked++, answers.length - 1)]
      if (answer instanceof Error) throw answer
      return { response: answer }
    }
  }
  const init = {
    libp2p,
    registry,
    bootstraps: [multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${bootstrap.toString()}`)],
    describeSelf: () => ({ name: 'asker', role: 'peer', multiaddrs: [] }),
    nonce: () => new Uint8Array(16),
    log: Object.assign(() => {}, { enabled: false })
  } as unknown as RegistrationsInit
  return { registrations: new Registrations(init), asked: () => asked }
}

describe('Registrations.lookUp', () => {
  it('does not keep a lookup that no bootstrap answered: the next message asks again', async () => {
    const { registrations, asked } = await withBootstrap([
      new Error('Too many outbound protocol streams'),
      { status: RegistryResponse.Status.OK, name: 'carol' }
    ])
    const subject = await newPeerId()
    assert.equal(await registrations.lookUp(subject), undefined)
    assert.equal(await registrations.lookUp(subject), 'carol')
    assert.equal(await registrations.lookUp(subject), 'carol') // an answer is kept
    assert.equal(asked(), 2)
  })

  it('keeps a bootstrap\'s "unknown" for a while, so a stranger\'s messages cost one question', async () => {
    const { registrations, asked } = await withBootstrap([{ status: RegistryResponse.Status.UNKNOWN }])
    const subject = await newPeerId()
    assert.equal(await registrations.lookUp(subject), undefined)
    assert.equal(await registrations.lookUp(subject), undefined)
    assert.equal(asked(), 1)
  })
})
