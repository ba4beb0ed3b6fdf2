/* eslint-disable import/export */
/* eslint-disable complexity */
/* eslint-disable @typescript-eslint/no-namespace */
/* eslint-disable @typescript-eslint/no-unnecessary-boolean-literal-compare */
/* eslint-disable @typescript-eslint/no-empty-interface */
/* eslint-disable import/consistent-type-specifier-style */
/* eslint-disable @typescript-eslint/no-unused-vars */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface StatusRequest {}

export namespace StatusRequest {
  let _codec: Codec<StatusRequest>

  export const codec = (): Codec<StatusRequest> => {
    if (_codec == null) {
      _codec = message<StatusRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
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

  export const encode = (obj: Partial<StatusRequest>): Uint8Array => {
    return encodeMessage(obj, StatusRequest.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusRequest>): StatusRequest => {
    return decodeMessage(buf, StatusRequest.codec(), opts)
  }
}

export interface StatusResponse {
  peerId: string
  name: string
  role: StatusResponse.Role
  version: string
  uptimeMs: number
  addresses: Uint8Array[]
  connections: number
  knownPeers: number
  meshPeers: number
  networkSize: number
  rejectedMessages: number
  state: StatusResponse.State
}

export namespace StatusResponse {
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

  export enum State {
    JOINING = 'JOINING',
    JOINED = 'JOINED'
  }

  enum __StateValues {
    JOINING = 0,
    JOINED = 1
  }

  export namespace State {
    export const codec = (): Codec<State> => {
      return enumeration<State>(__StateValues)
    }
  }

  let _codec: Codec<StatusResponse>

  export const codec = (): Codec<StatusResponse> => {
    if (_codec == null) {
      _codec = message<StatusResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if (obj.role != null && __RoleValues[obj.role] !== 0) {
          w.uint32(24)
          StatusResponse.Role.codec().encode(obj.role, w)
        }

        if ((obj.version != null && obj.version !== '')) {
          w.uint32(34)
          w.string(obj.version)
        }

        if ((obj.uptimeMs != null && obj.uptimeMs !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.uptimeMs)
        }

        if (obj.addresses != null) {
          for (const value of obj.addresses) {
            w.uint32(50)
            w.bytes(value)
          }
        }

        if ((obj.connections != null && obj.connections !== 0)) {
          w.uint32(56)
          w.uint32(obj.connections)
        }

        if ((obj.knownPeers != null && obj.knownPeers !== 0)) {
          w.uint32(64)
          w.uint32(obj.knownPeers)
        }

        if ((obj.meshPeers != null && obj.meshPeers !== 0)) {
          w.uint32(72)
          w.uint32(obj.meshPeers)
        }

        if ((obj.networkSize != null && obj.networkSize !== 0)) {
          w.uint32(80)
          w.uint32(obj.networkSize)
        }

        if ((obj.rejectedMessages != null && obj.rejectedMessages !== 0)) {
          w.uint32(88)
          w.uint32(obj.rejectedMessages)
        }

        if (obj.state != null && __StateValues[obj.state] !== 0) {
          w.uint32(96)
          StatusResponse.State.codec().encode(obj.state, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          name: '',
          role: Role.UNSPECIFIED,
          version: '',
          uptimeMs: 0,
          addresses: [],
          connections: 0,
          knownPeers: 0,
          meshPeers: 0,
          networkSize: 0,
          rejectedMessages: 0,
          state: State.JOINING
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.role = StatusResponse.Role.codec().decode(reader)
              break
            }
            case 4: {
              obj.version = reader.string()
              break
            }
            case 5: {
              obj.uptimeMs = reader.uint64Number()
              break
            }
            case 6: {
              if (opts.limits?.addresses != null && obj.addresses.length === opts.limits.addresses) {
                throw new MaxLengthError('Decode error - map field "addresses" had too many elements')
              }

              obj.addresses.push(reader.bytes())
              break
            }
            case 7: {
              obj.connections = reader.uint32()
              break
            }
            case 8: {
              obj.knownPeers = reader.uint32()
              break
            }
            case 9: {
              obj.meshPeers = reader.uint32()
              break
            }
            case 10: {
              obj.networkSize = reader.uint32()
              break
            }
            case 11: {
              obj.rejectedMessages = reader.uint32()
              break
            }
            case 12: {
              obj.state = StatusResponse.State.codec().decode(reader)
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

  export const encode = (obj: Partial<StatusResponse>): Uint8Array => {
    return encodeMessage(obj, StatusResponse.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusResponse>): StatusResponse => {
    return decodeMessage(buf, StatusResponse.codec(), opts)
  }
}
