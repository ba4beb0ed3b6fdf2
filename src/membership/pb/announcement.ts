/* eslint-disable import/export */
/* eslint-disable complexity */
/* eslint-disable @typescript-eslint/no-namespace */
/* eslint-disable @typescript-eslint/no-unnecessary-boolean-literal-compare */
/* eslint-disable @typescript-eslint/no-empty-interface */
/* eslint-disable import/consistent-type-specifier-style */
/* eslint-disable @typescript-eslint/no-unused-vars */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum Role {
  UNSPECIFIED = 'UNSPECIFIED',
  BOOTSTRAP = 'BOOTSTRAP',
  PEER = 'PEER'
}

enum __RoleValues {
  UNSPECIFIED = 0,
  BOOTSTRAP = 1,
  PEER = 2
}

export namespace Role {
  export const codec = (): Codec<Role> => {
    return enumeration<Role>(__RoleValues)
  }
}

export interface Announcement {
  kind: Announcement.Kind
  name: string
  role: Role
  addresses: Uint8Array[]
  nonce: Uint8Array
  seq: number
  sentAt: number
  intervalMs: number
  neighbours: Uint8Array[]
  subject?: Uint8Array
  subjectNonce?: Uint8Array
  reason?: string
  certificate?: Uint8Array
  certifiedBy?: Uint8Array
  meshNeighbours: number
}

export namespace Announcement {
  export enum Kind {
    UNSPECIFIED = 'UNSPECIFIED',
    JOIN = 'JOIN',
    HEARTBEAT = 'HEARTBEAT',
    LEAVE = 'LEAVE',
    DEAD = 'DEAD',
    SHUTDOWN = 'SHUTDOWN',
    LEFT = 'LEFT'
  }

  enum __KindValues {
    UNSPECIFIED = 0,
    JOIN = 1,
    HEARTBEAT = 2,
    LEAVE = 3,
    DEAD = 4,
    SHUTDOWN = 5,
    LEFT = 6
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<Announcement>

  export const codec = (): Codec<Announcement> => {
    if (_codec == null) {
      _codec = message<Announcement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          Announcement.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if (obj.role != null && __RoleValues[obj.role] !== 0) {
          w.uint32(24)
          Role.codec().encode(obj.role, w)
        }

        if (obj.addresses != null) {
          for (const value of obj.addresses) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.nonce)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.seq)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.sentAt)
        }

        if ((obj.intervalMs != null && obj.intervalMs !== 0)) {
          w.uint32(64)
          w.uint32(obj.intervalMs)
        }

        if (obj.neighbours != null) {
          for (const value of obj.neighbours) {
            w.uint32(74)
            w.bytes(value)
          }
        }

        if (obj.subject != null) {
          w.uint32(82)
          w.bytes(obj.subject)
        }

        if (obj.subjectNonce != null) {
          w.uint32(90)
          w.bytes(obj.subjectNonce)
        }

        if (obj.reason != null) {
          w.uint32(98)
          w.string(obj.reason)
        }

        if (obj.certificate != null) {
          w.uint32(106)
          w.bytes(obj.certificate)
        }

        if (obj.certifiedBy != null) {
          w.uint32(114)
          w.bytes(obj.certifiedBy)
        }

        if ((obj.meshNeighbours != null && obj.meshNeighbours !== 0)) {
          w.uint32(120)
          w.uint32(obj.meshNeighbours)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.UNSPECIFIED,
          name: '',
          role: Role.UNSPECIFIED,
          addresses: [],
          nonce: uint8ArrayAlloc(0),
          seq: 0,
          sentAt: 0,
          intervalMs: 0,
          neighbours: [],
          meshNeighbours: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = Announcement.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.role = Role.codec().decode(reader)
              break
            }
            case 4: {
              if (opts.limits?.addresses != null && obj.addresses.length === opts.limits.addresses) {
                throw new MaxLengthError('Decode error - map field "addresses" had too many elements')
              }

              obj.addresses.push(reader.bytes())
              break
            }
            case 5: {
              obj.nonce = reader.bytes()
              break
            }
            case 6: {
              obj.seq = reader.uint64Number()
              break
            }
            case 7: {
              obj.sentAt = reader.uint64Number()
              break
            }
            case 8: {
              obj.intervalMs = reader.uint32()
              break
            }
            case 9: {
              if (opts.limits?.neighbours != null && obj.neighbours.length === opts.limits.neighbours) {
                throw new MaxLengthError('Decode error - map field "neighbours" had too many elements')
              }

              obj.neighbours.push(reader.bytes())
              break
            }
            case 10: {
              obj.subject = reader.bytes()
              break
            }
            case 11: {
              obj.subjectNonce = reader.bytes()
              break
            }
            case 12: {
              obj.reason = reader.string()
              break
            }
            case 13: {
              obj.certificate = reader.bytes()
              break
            }
            case 14: {
              obj.certifiedBy = reader.bytes()
              break
            }
            case 15: {
              obj.meshNeighbours = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      })
    }

    return _codec
  }

  export const encode = (obj: Partial<Announcement>): Uint8Array => {
    return encodeMessage(obj, Announcement.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Announcement>): Announcement => {
    return decodeMessage(buf, Announcement.codec(), opts)
  }
}
