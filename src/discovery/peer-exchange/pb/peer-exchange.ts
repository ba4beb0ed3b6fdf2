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

export interface PeerRecord {
  peerId: Uint8Array
  name: string
  role: Role
  addresses: Uint8Array[]
  seenMsAgo: number
  state: MemberState
  nonce: Uint8Array
  seq: number
  intervalMs: number
  certificate?: Uint8Array
  certifiedBy?: Uint8Array
}

export namespace PeerRecord {
  let _codec: Codec<PeerRecord>

  export const codec = (): Codec<PeerRecord> => {
    if (_codec == null) {
      _codec = message<PeerRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
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

        if ((obj.seenMsAgo != null && obj.seenMsAgo !== 0)) {
          w.uint32(40)
          w.uint32(obj.seenMsAgo)
        }

        if (obj.state != null && __MemberStateValues[obj.state] !== 0) {
          w.uint32(48)
          MemberState.codec().encode(obj.state, w)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.nonce)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(64)
          w.uint64Number(obj.seq)
        }

        if ((obj.intervalMs != null && obj.intervalMs !== 0)) {
          w.uint32(72)
          w.uint32(obj.intervalMs)
        }

        if (obj.certificate != null) {
          w.uint32(82)
          w.bytes(obj.certificate)
        }

        if (obj.certifiedBy != null) {
          w.uint32(90)
          w.bytes(obj.certifiedBy)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          name: '',
          role: Role.UNSPECIFIED,
          addresses: [],
          seenMsAgo: 0,
          state: MemberState.ALIVE,
          nonce: uint8ArrayAlloc(0),
          seq: 0,
          intervalMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
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
              obj.seenMsAgo = reader.uint32()
              break
            }
            case 6: {
              obj.state = MemberState.codec().decode(reader)
              break
            }
            case 7: {
              obj.nonce = reader.bytes()
              break
            }
            case 8: {
              obj.seq = reader.uint64Number()
              break
            }
            case 9: {
              obj.intervalMs = reader.uint32()
              break
            }
            case 10: {
              obj.certificate = reader.bytes()
              break
            }
            case 11: {
              obj.certifiedBy = reader.bytes()
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

  export const encode = (obj: Partial<PeerRecord>): Uint8Array => {
    return encodeMessage(obj, PeerRecord.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerRecord>): PeerRecord => {
    return decodeMessage(buf, PeerRecord.codec(), opts)
  }
}

export enum MemberState {
  ALIVE = 'ALIVE',
  SUSPECT = 'SUSPECT',
  DEAD = 'DEAD',
  LEFT = 'LEFT'
}

enum __MemberStateValues {
  ALIVE = 0,
  SUSPECT = 1,
  DEAD = 2,
  LEFT = 3
}

export namespace MemberState {
  export const codec = (): Codec<MemberState> => {
    return enumeration<MemberState>(__MemberStateValues)
  }
}

export interface PeerExchangeRequest {
  name: string
  role: Role
  addresses: Uint8Array[]
  limit: number
  findName?: string
  offset?: number
}

export namespace PeerExchangeRequest {
  let _codec: Codec<PeerExchangeRequest>

  export const codec = (): Codec<PeerExchangeRequest> => {
    if (_codec == null) {
      _codec = message<PeerExchangeRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if (obj.role != null && __RoleValues[obj.role] !== 0) {
          w.uint32(16)
          Role.codec().encode(obj.role, w)
        }

        if (obj.addresses != null) {
          for (const value of obj.addresses) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(32)
          w.uint32(obj.limit)
        }

        if (obj.findName != null) {
          w.uint32(42)
          w.string(obj.findName)
        }

        if (obj.offset != null) {
          w.uint32(48)
          w.uint32(obj.offset)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          role: Role.UNSPECIFIED,
          addresses: [],
          limit: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              obj.role = Role.codec().decode(reader)
              break
            }
            case 3: {
              if (opts.limits?.addresses != null && obj.addresses.length === opts.limits.addresses) {
                throw new MaxLengthError('Decode error - map field "addresses" had too many elements')
              }

              obj.addresses.push(reader.bytes())
              break
            }
            case 4: {
              obj.limit = reader.uint32()
              break
            }
            case 5: {
              obj.findName = reader.string()
              break
            }
            case 6: {
              obj.offset = reader.uint32()
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

  export const encode = (obj: Partial<PeerExchangeRequest>): Uint8Array => {
    return encodeMessage(obj, PeerExchangeRequest.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerExchangeRequest>): PeerExchangeRequest => {
    return decodeMessage(buf, PeerExchangeRequest.codec(), opts)
  }
}

export interface PeerExchangeResponse {
  status: PeerExchangeResponse.Status
  peers: PeerRecord[]
  error?: string
  nextOffset?: number
  settledMembers?: number
}

export namespace PeerExchangeResponse {
  export enum Status {
    UNSPECIFIED = 'UNSPECIFIED',
    OK = 'OK',
    REJECTED = 'REJECTED'
  }

  enum __StatusValues {
    UNSPECIFIED = 0,
    OK = 1,
    REJECTED = 2
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<PeerExchangeResponse>

  export const codec = (): Codec<PeerExchangeResponse> => {
    if (_codec == null) {
      _codec = message<PeerExchangeResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          PeerExchangeResponse.Status.codec().encode(obj.status, w)
        }

        if (obj.peers != null) {
          for (const value of obj.peers) {
            w.uint32(18)
            PeerRecord.codec().encode(value, w)
          }
        }

        if (obj.error != null) {
          w.uint32(26)
          w.string(obj.error)
        }

        if (obj.nextOffset != null) {
          w.uint32(32)
          w.uint32(obj.nextOffset)
        }

        if (obj.settledMembers != null) {
          w.uint32(40)
          w.uint32(obj.settledMembers)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.UNSPECIFIED,
          peers: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = PeerExchangeResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - map field "peers" had too many elements')
              }

              obj.peers.push(PeerRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.peers$
              }))
              break
            }
            case 3: {
              obj.error = reader.string()
              break
            }
            case 4: {
              obj.nextOffset = reader.uint32()
              break
            }
            case 5: {
              obj.settledMembers = reader.uint32()
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

  export const encode = (obj: Partial<PeerExchangeResponse>): Uint8Array => {
    return encodeMessage(obj, PeerExchangeResponse.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerExchangeResponse>): PeerExchangeResponse => {
    return decodeMessage(buf, PeerExchangeResponse.codec(), opts)
  }
}
