import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { Broadcast, DirectMessage, DirectMessageAck, PeerExchangeMemberState as MemberState, PeerExchangeRequest, PeerExchangeResponse, PeerExchangeRole as Role, StatusResponse, Announcement, readAnnouncement, Goodbye, NetworkSizeResponse, RegistryRequest, RegistryResponse } from '../../dist/internal.js'
import { peerIdFromString } from '@libp2p/peer-id'

const SENDER = peerIdFromString('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA')

describe('wire codecs', () => {
  it('round-trip every message', () => {
    const id = randomBytes(16)
    const samples: Array<[any, object]> = [
      [Broadcast, { id, payload: new TextEncoder().encode('hello'), senderName: 'alice', sentAt: 1_700_000_000_000 }],
      [DirectMessage, { id, payload: randomBytes(300), senderName: 'bob', sentAt: 1_700_000_000_001 }],
      [DirectMessageAck, { id, status: DirectMessageAck.Status.TOO_LARGE, error: 'too big' }],
      [PeerExchangeRequest, { name: 'carol', role: Role.PEER, addresses: [randomBytes(8)], limit: 10, findName: 'dave' }],
      [PeerExchangeResponse, { status: PeerExchangeResponse.Status.OK, peers: [{ peerId: randomBytes(38), name: 'erin', role: Role.BOOTSTRAP, addresses: [randomBytes(8)], seenMsAgo: 5, state: MemberState.DEAD, nonce: randomBytes(8), seq: 3, intervalMs: 50_000 }] }],
      [StatusResponse, { peerId: 'x', name: 'frank', role: StatusResponse.Role.PEER, version: '1.0.0', uptimeMs: 123456, addresses: [randomBytes(8)], connections: 3, knownPeers: 9, meshPeers: 4, networkSize: 10, rejectedMessages: 2, state: StatusResponse.State.JOINED }],
      [Announcement, { kind: Announcement.Kind.HEARTBEAT, name: 'gina', role: Role.PEER, addresses: [randomBytes(8)], nonce: randomBytes(8), seq: 7, sentAt: 1_700_000_000_002, intervalMs: 5000, neighbours: [randomBytes(38)], meshNeighbours: 1, reason: 'x' }],
      [Goodbye, { reason: Goodbye.Reason.NETWORK_SHUTDOWN, message: 'bye' }],
      [NetworkSizeResponse, { size: 31, alive: 30, suspect: 1, method: NetworkSizeResponse.Method.MEMBERSHIP_VIEW, freshnessMs: 900, exact: true }],
      [RegistryRequest, { kind: RegistryRequest.Kind.REGISTER, name: 'hal', role: Role.PEER, addresses: [], nonce: randomBytes(8) }],
      [RegistryResponse, { status: RegistryResponse.Status.NAME_TAKEN, error: 'taken' }],
      [RegistryResponse, { status: RegistryResponse.Status.OK, certificate: randomBytes(64), peers: 12 }]
    ]
    for (const [codec, value] of samples) {
      assert.deepEqual(toPlain(codec.decode(codec.encode(value))), toPlain(value))
    }
  })

  it('an empty acknowledgement never reads as success', () => {
    assert.equal(DirectMessageAck.decode(new Uint8Array()).status, DirectMessageAck.Status.UNSPECIFIED)
  })

  it('refuse more repeated elements than the limit', () => {
    const response = PeerExchangeResponse.encode({
      status: PeerExchangeResponse.Status.OK,
      peers: Array.from({ length: 65 }, () => ({ peerId: randomBytes(38), name: 'p', role: Role.PEER, addresses: [], seenMsAgo: 0, state: MemberState.ALIVE, nonce: randomBytes(8), seq: 0, intervalMs: 0 }))
    })
    assert.throws(() => PeerExchangeResponse.decode(response, { limits: { peers: 64 } }), { name: 'MaxLengthError' })
  })

  it('read membership announcements only when well formed, giving a reason otherwise', () => {
    const good = { kind: Announcement.Kind.JOIN, name: 'ivy', role: Role.PEER, addresses: [], nonce: randomBytes(8), seq: 1, sentAt: Date.now(), intervalMs: 5000, neighbours: [], meshNeighbours: 0 }
    const read = (fields: object, type = 'signed'): unknown => readAnnouncement({ type, from: SENDER, topic: 't', data: Announcement.encode({ ...good, ...fields }) } as any)
    assert.equal((read({}) as any).kind, 'join')
    assert.equal((read({}) as any).from, SENDER)
    assert.equal(read({}, 'unsigned'), 'unsigned')
    assert.equal(read({ name: 'has space' }), 'invalid name')
    assert.equal(read({ certificate: randomBytes(64) }), 'invalid certificate')
    assert.equal(read({ certificate: randomBytes(64), certifiedBy: randomBytes(5) }), 'invalid certificate')
    assert.ok((read({ certificate: randomBytes(64), certifiedBy: SENDER.toMultihash().bytes }) as any).certificate.issuer.equals(SENDER))
    assert.equal(read({ nonce: randomBytes(3) }), 'invalid nonce')
    assert.match(read({ intervalMs: 10 }) as string, /out of bounds/)
    assert.match(read({ kind: Announcement.Kind.UNSPECIFIED }) as string, /unknown kind/)
    assert.equal(read({ kind: Announcement.Kind.DEAD }), 'DEAD without a valid subject')
    assert.match(read({ neighbours: Array.from({ length: 65 }, () => randomBytes(38)) }) as string, /^malformed/)
    // mesh links are the first neighbours: a count beyond them means all of them
    assert.equal((read({ neighbours: [randomBytes(38), randomBytes(38)], meshNeighbours: 1 }) as any).meshNeighbours, 1)
    assert.equal((read({ neighbours: [randomBytes(38)], meshNeighbours: 1000 }) as any).meshNeighbours, 1)
  })
})

/** Uint8Arrays and Buffers compare as plain arrays. */
function toPlain (value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value]
  if (Array.isArray(value)) return value.map(toPlain)
  if (value != null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toPlain(v)]))
  }
  return value
}
