import { peerIdFromString } from '@libp2p/peer-id'
import { UnknownPeerError } from '../errors.js'
import { isGone, type Member, type MemberList } from './members.js'
import type { PeerId } from '@libp2p/interface'

export interface MemberLookupInit {
  self: { peerId: PeerId, name: string }
  members: MemberList
  /** Asks the connected bootstraps and another node for the member holding `name`, adding it to the view. */
  lookUpName: (name: string, signal?: AbortSignal) => Promise<void>
  /** Asks the bootstraps under which name `peer` is registered. */
  lookUpPeer: (peer: PeerId) => Promise<string | undefined>
}

/** Finds live members by peer id or name: in this node's view, else by asking the bootstraps. */
export class MemberLookup {
  private readonly init: MemberLookupInit

  constructor (init: MemberLookupInit) {
    this.init = init
  }

  /** The live member with this peer id or name (this node included); undefined if no live member has it. */
  async find (target: string, signal?: AbortSignal): Promise<{ peerId: string, name: string } | undefined> {
    const { self, members } = this.init
    if (target === self.name || target === self.peerId.toString()) {
      return { peerId: self.peerId.toString(), name: self.name }
    }
    let peer: PeerId
    try {
      peer = peerIdFromString(target)
    } catch {
      const member = await this.byName(target, signal)
      return member == null ? undefined : { peerId: member.peerId.toString(), name: member.name }
    }
    const known = members.get(peer)
    if (known != null && !isGone(known)) {
      return { peerId: known.peerId.toString(), name: known.name }
    }
    const name = await this.init.lookUpPeer(peer)
    return name == null ? undefined : { peerId: peer.toString(), name }
  }

  /** A peer id, given as one or as a string, or the peer holding a name. Rejects with UnknownPeerError. */
  async resolve (target: PeerId | string, signal?: AbortSignal): Promise<PeerId> {
    if (typeof target !== 'string') {
      return target
    }
    try {
      return peerIdFromString(target)
    } catch {}
    if (target === this.init.self.name) {
      return this.init.self.peerId
    }
    const known = await this.byName(target, signal)
    if (known == null) {
      throw new UnknownPeerError(target)
    }
    return known.peerId
  }

  private async byName (name: string, signal?: AbortSignal): Promise<Member | undefined> {
    const { members } = this.init
    if (members.findByName(name) == null) {
      await this.init.lookUpName(name, signal)
    }
    return members.findByName(name)
  }
}
