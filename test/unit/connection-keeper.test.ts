import assert from 'node:assert/strict'
import { afterEach, describe, it, mock } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { ConnectionKeeper, MemberList } from '../../dist/internal.js'
import type { ConnectionKeeperInit } from '../../dist/internal.js'
import type { PeerId } from '@libp2p/interface'

const newPeerId = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

/**
 * A keeper over a stub of libp2p, connected to its bootstrap and to as many peers as it wants, whose every peer
 * exchange brings news: a network that keeps growing. Counts the exchanges with the bootstrap.
 */
async function inGrowingNetwork (): Promise<{ keeper: ConnectionKeeper, asked: () => number }> {
  const self = await newPeerId()
  const bootstrap = await newPeerId()
  const other = await newPeerId()
  let asked = 0
  const init = {
    libp2p: {
      peerId: self,
      getPeers: () => [bootstrap, other],
      addEventListener: () => {},
      removeEventListener: () => {}
    },
    peerExchange: {
      exchange: async (peer: PeerId) => {
        if (peer.equals(bootstrap)) asked++
        return { added: 3 }
      },
      exchangeAll: async () => 3
    },
    members: new MemberList(self, { heartbeatInterval: 5_000, suspectAfter: 3, deadAfter: 6 }),
    bootstrap: [multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${bootstrap.toString()}`)],
    role: 'peer',
    targetConnections: 1,
    syncInterval: 30_000,
    maxParallelDials: 2,
    peerExchangeInterval: 60_000,
    dialTimeout: 1_000,
    log: Object.assign(() => {}, { enabled: false })
  } as unknown as ConnectionKeeperInit
  return { keeper: new ConnectionKeeper(init), asked: () => asked }
}

/** Moves the mocked clock `ms` on, 100 ms at a time, letting the keeper's promises settle at each step. */
async function elapse (ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    mock.timers.tick(100)
    await new Promise(resolve => setImmediate(resolve))
  }
}

describe('ConnectionKeeper', () => {
  afterEach(() => { mock.timers.reset() })

  it('asks often while answers bring news, until it has caught up with a bootstrap\'s view', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_700_000_000_000 })
    const { keeper, asked } = await inGrowingNetwork()
    keeper.start()
    await elapse(60_000)
    const hungry = asked()
    assert.ok(hungry >= 8, `asked ${hungry} times in a minute before catching up`)

    keeper.catchUp()
    await elapse(1_000)
    const before = asked()
    await elapse(120_000)
    keeper.stop()
    // once per peer exchange interval (60 s, ±20%), news or not
    assert.ok(asked() - before <= 3, `asked ${asked() - before} times in two minutes once caught up`)
  })
})
