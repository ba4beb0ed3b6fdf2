import type { Role } from '../config.js'

/** Wire enums of role (protons makes them string enums) to our Role and back. Unknown values read as 'peer'. */
export function roleToWire<E extends string> (role: Role): E {
  return (role === 'bootstrap' ? 'BOOTSTRAP' : 'PEER') as E
}

export function roleFromWire (wire: string): Role {
  return wire === 'BOOTSTRAP' ? 'bootstrap' : 'peer'
}
