import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { PING_PROTOCOL } from '@libp2p/ping'
import { createNode, type P2PNode } from '../../dist/index.js'
import { PingChannels } from '../../dist/internal.js'
import type { Connection } from '@libp2p/interface'

const started: P2PNode[] = []
after(async () => { await Promise.all(started.map(async node => node.stop())) })

/** A bootstrap and a node connected to it; the node's connection to the bootstrap. */
async function connected (): Promise<{ bootstrap: P2PNode, node: P2PNode, connection: Connection }> {
  const bootstrap = await createNode({ role: 'bootstrap' })
  started.push(bootstrap)
  const node = await createNode({ name: 'pinger', bootstrap: bootstrap.multiaddrs })
  started.push(node)
  const connection = node.libp2p.getConnections(bootstrap.peerId).find(c => c.status === 'open')
  assert.ok(connection != null, 'connected to the bootstrap')
  return { bootstrap, node, connection }
}

const pingStreams = (connection: Connection): string[] => connection.streams.filter(s => s.protocol === PING_PROTOCOL && s.direction === 'outbound').map(s => s.id)

describe('ping channels', () => {
  it('ping a peer many times on one stream, and open a new one when the other end resets it', async () => {
    const { bootstrap, node, connection } = await connected()
    const channels = new PingChannels(5_000)
    await channels.ping(connection, AbortSignal.timeout(5_000))
    const [first] = pingStreams(connection)
    assert.ok(first != null)
    for (let i = 0; i < 30; i++) await channels.ping(connection, AbortSignal.timeout(5_000))
    assert.deepEqual(pingStreams(connection), [first])

    // the answering end resets the stream (its lifetime ran out): the next ping is not a failure
    const theirs = bootstrap.libp2p.getConnections(node.peerId).flatMap(c => c.streams).filter(s => s.protocol === PING_PROTOCOL)
    assert.equal(theirs.length, 1)
    theirs[0].abort(new Error('lifetime over'))
    await channels.ping(connection, AbortSignal.timeout(5_000))
    const now = pingStreams(connection)
    assert.equal(now.length, 1)
    assert.notEqual(now[0], first)
    channels.closeAll()
  })

  it('fail a ping that gets no answer before the deadline', async () => {
    const { bootstrap, connection } = await connected()
    // a peer that takes ping streams and never answers: a hung process, as far as pings can tell
    await bootstrap.libp2p.unhandle(PING_PROTOCOL)
    await bootstrap.libp2p.handle(PING_PROTOCOL, () => {})
    const channels = new PingChannels(5_000)
    const started = performance.now()
    await assert.rejects(channels.ping(connection, AbortSignal.timeout(500)))
    assert.ok(performance.now() - started >= 450, 'it waited for the deadline')
    assert.deepEqual(pingStreams(connection), [], 'the failed stream was closed')
  })
})
