import { JoinRefusedError } from '../errors.js'
import type { Connection, Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * Dials a bootstrap and checks that the peer answering at its address is the one its `/p2p/<id>` names: libp2p v2
 * connects to whoever answers there. A bootstrap restarted without its key file answers under a new id, and a node
 * that took it for another peer would run half-joined, registered nowhere. Rejects with JoinRefusedError
 * ('wrong-peer-id') naming both ids, after closing that connection.
 */
export async function dialBootstrap (libp2p: Libp2p, ma: Multiaddr, signal: AbortSignal): Promise<Connection> {
  const connection = await libp2p.dial(ma, { signal })
  const expected = ma.getPeerId()
  if (expected == null || connection.remotePeer.toString() === expected) {
    return connection
  }
  await connection.close().catch(() => { connection.abort(new Error('not the expected bootstrap')) })
  const address = ma.decapsulateCode(421).toString() // without its /p2p/ part
  throw new JoinRefusedError('wrong-peer-id', `the bootstrap at ${address} is ${connection.remotePeer.toString()}, not ${expected} ` +
    'as its address says (a bootstrap restarted without --key-file gets a new peer id): use the address it prints now')
}
