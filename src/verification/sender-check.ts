import { isGone, isVerified, type Member, type MemberList } from '../membership/members.js'
import { BoundedMap } from '../bounded-map.js'
import type { PeerId } from '@libp2p/interface'

/** Message ids remembered for replay detection, at most; past it the oldest are dropped. */
const MAX_REMEMBERED_IDS = 200_000

export interface SenderCheckInit {
  members: MemberList
  /** Whether the certificate `member` was heard of with vouches for its name (and if so, marks it verified). */
  checkCertificate: (member: Member) => Promise<boolean>
  /** Asks the bootstraps whether `peer` is a live member, and under which name. */
  lookUp: (peer: PeerId) => Promise<string | undefined>
  /** A message sent longer ago than this (or this far in the future, by the sender's clock) is refused. */
  replayWindow: number
}

/**
 * Why a message is refused. `window`: sent too long ago or too far ahead (a replay, or a badly set clock).
 * `replay`: its id was delivered already. `stranger`: its sender is not a live member. `name`: its sender claims
 * a name it is not registered under.
 */
export interface Refusal {
  kind: 'window' | 'replay' | 'stranger' | 'name'
  reason: string
}

/**
 * Decides whether a message may be delivered: it must come from a live member of the network (asking the
 * bootstraps about a sender this node does not know, or whose name no bootstrap vouched for here), carry that
 * member's registered name, be sent within the replay window, and not repeat a message id already delivered from
 * that sender within the window.
 * The sender is authenticated before this runs: the gossipsub signature, or the Noise-authenticated connection.
 */
export class SenderCheck {
  private readonly init: SenderCheckInit
  /** `${sender}/${id}` -> when it may be forgotten. Insertion order is expiry order. */
  private readonly delivered = new BoundedMap<string, number>(MAX_REMEMBERED_IDS)

  constructor (init: SenderCheckInit) {
    this.init = init
  }

  /** Resolves with the reason to refuse the message, or undefined to deliver it (and remember its id). */
  async refusal (from: PeerId, claimedName: string, id: string, sentAt: number, now = Date.now()): Promise<Refusal | undefined> {
    const { replayWindow } = this.init
    if (Math.abs(now - sentAt) > replayWindow) {
      return { kind: 'window', reason: `sent ${Math.round((now - sentAt) / 1000)} s ago, outside the ${replayWindow / 1000} s replay window` }
    }
    this.forgetExpired(now)
    const key = `${from.toString()}/${id}`
    if (this.delivered.has(key)) {
      return { kind: 'replay', reason: `a replay of message ${id}` }
    }
    const name = await this.memberName(from)
    if (name == null) {
      return { kind: 'stranger', reason: 'the sender is not a live member of the network' }
    }
    if (name !== claimedName) {
      return { kind: 'name', reason: `the sender claims the name "${claimedName}" but is registered as "${name}"` }
    }
    if (this.delivered.has(key)) {
      return { kind: 'replay', reason: `a replay of message ${id}` } // a copy that arrived while the sender was looked up
    }
    this.delivered.set(key, now + replayWindow)
    return undefined
  }

  /**
   * The name `peer` is a live member under: from the view if a bootstrap vouched for it there (or for a member
   * heard of second-hand, by the certificate its teller passed on: one signature check here, not a round trip to a
   * bootstrap on the path of every first message from it), else from the bootstraps (whose answers are cached);
   * undefined if it is none. A member this node holds gone is asked about too: a verdict of this node's own (a
   * missed heartbeat, failed pings on a busy machine) may be false, and its message is proof of life; the bootstraps
   * no longer know a member that left or that they found dead (docs/decisions/senders-held-gone.md).
   */
  private async memberName (peer: PeerId): Promise<string | undefined> {
    const member = this.init.members.get(peer)
    if (member != null && !isGone(member) && (isVerified(member) || await this.init.checkCertificate(member))) {
      return member.name
    }
    return this.init.lookUp(peer)
  }

  private forgetExpired (now: number): void {
    for (const [key, until] of this.delivered) {
      if (until > now) {
        break
      }
      this.delivered.delete(key)
    }
  }
}
