import { peerIdText } from '../wire/fields.js'
import type { Member } from './members.js'
import type { MemberInfo } from '../public-types.js'

/** A member as the public API shows it. */
export function toMemberInfo (member: Member, connected: boolean): MemberInfo {
  return {
    peerId: member.peerId.toString(),
    name: member.name,
    role: member.role,
    state: member.state,
    multiaddrs: member.multiaddrs.map(ma => ma.toString()),
    connected,
    firstSeen: member.firstSeen,
    lastSeen: member.lastSeen,
    neighbours: member.neighbours.map(peerIdText).filter((id): id is string => id != null),
    mesh: member.neighbours.slice(0, member.meshNeighbours).map(peerIdText).filter((id): id is string => id != null)
  }
}
