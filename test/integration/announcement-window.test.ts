import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { createNode, type P2PNode } from '../../dist/index.js'
import { Announcement, membershipTopic, NONCE_BYTES } from '../../dist/internal.js'
import { waitFor } from '../helpers.ts'

const started: P2PNode[] = []
after(async () => { await Promise.all(started.map(async node => node.stop())) })

describe('the membership topic validator', () => {
  it('refuses a member\'s own announcement older than gossipsub remembers ids, so an old copy cannot flood the network again', async () => {
    const bootstrap = await createNode({ role: 'bootstrap' })
    started.push(bootstrap)
    const member = await createNode({ name: 'member', bootstrap: bootstrap.multiaddrs })
    const receiver = await createNode({ name: 'receiver', bootstrap: bootstrap.multiaddrs })
    started.push(member, receiver)
    await waitFor(() => receiver.networkStatus().size.size === 3, 'the receiver knows the member')
    // as gossipsub hands it over once the signature checked out: the validator judges the content
    const heartbeat = (sentAt: number): any => ({
      type: 'signed',
      from: member.peerId,
      topic: membershipTopic('p2p-node'),
      sequenceNumber: 1n,
      data: Announcement.encode({
        kind: Announcement.Kind.HEARTBEAT,
        name: 'member',
        role: 2 as any,
        addresses: [],
        nonce: randomBytes(NONCE_BYTES),
        seq: 7,
        sentAt,
        intervalMs: 5000,
        neighbours: [],
        meshNeighbours: 0
      })
    })
    const validate = (receiver.parts.membership.dissemination as any).validate
    // a new start of the member, vouched for by the bootstrap's registry: now it is taken, ten minutes ago it is not
    assert.equal(await validate(member.peerId, heartbeat(Date.now())), 'accept')
    assert.equal(await validate(member.peerId, heartbeat(Date.now() - 10 * 60_000)), 'ignore')
    assert.equal(await validate(member.peerId, heartbeat(Date.now() + 10 * 60_000)), 'ignore')
  })
})
