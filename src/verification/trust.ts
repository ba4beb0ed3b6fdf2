import { fromString as fromHex } from 'uint8arrays/from-string'
import { isGone, isVerified, type Member, type MemberList } from '../membership/members.js'
import { verifyCertificate } from './certificate.js'
import type { PeerId } from '@libp2p/interface'

export interface TrustInit {
  self: PeerId
  members: MemberList
  protocolPrefix: string
  /** The peer ids of the bootstraps this node was given. */
  bootstraps: ReadonlySet<string>
  /** Peer ids whose shutdown orders are obeyed. */
  operators: ReadonlySet<string>
}

/** Whom this node believes: about names (certificates), about other members' deaths, and about a shutdown. */
export class Trust {
  private readonly init: TrustInit

  constructor (init: TrustInit) {
    this.init = init
  }

  /** Whether `peer` may order a network shutdown. */
  isOperator (peer: PeerId): boolean {
    return this.init.operators.has(peer.toString())
  }

  /** Whether `peer` is one of the bootstraps this node was given. */
  isBootstrap (peer: PeerId): boolean {
    return this.init.bootstraps.has(peer.toString())
  }

  /**
   * This node's bootstraps and the operators: they may declare members gone, their certificates vouch for names, and
   * their announcements are not rate-limited (DEAD notices come in bursts, one for every node of a crashed host).
   */
  isTrusted (peer: PeerId): boolean {
    return this.isBootstrap(peer) || this.isOperator(peer)
  }

  /**
   * Whose certificates this node believes: its bootstraps, the operators, itself, and any member whose own name a
   * trusted node vouched for (a node may join through any member). Registration is open, so a member that admits
   * strangers can do no more than the strangers could by registering with a bootstrap themselves; it cannot give
   * them a name another member holds.
   */
  trustsIssuer (issuer: PeerId, sender: PeerId): boolean {
    if (this.isTrusted(issuer) || issuer.equals(this.init.self)) {
      return true
    }
    if (issuer.equals(sender)) {
      return false
    }
    const member = this.init.members.get(issuer)
    return member != null && !isGone(member) && isVerified(member)
  }

  /**
   * Whether the certificate `member` was heard of with (passed on by peer exchange, unchecked) vouches for its name
   * for its current start, by an issuer this node trusts: if so it is verified, as by its own announcement. A
   * certificate that fails is dropped, so it is checked once.
   */
  async checkCertificate (member: Member): Promise<boolean> {
    const { certificate, nonce, name, peerId } = member
    if (certificate == null || nonce === '' || !this.trustsIssuer(certificate.issuer, peerId)) {
      return false
    }
    if (!await verifyCertificate(certificate.issuer, certificate.signature, this.init.protocolPrefix, peerId, name, fromHex(nonce, 'base16'))) {
      if (member.certificate === certificate) {
        member.certificate = undefined
      }
      return false
    }
    this.init.members.markVerified(peerId, nonce)
    return isVerified(member) && member.name === name
  }
}
