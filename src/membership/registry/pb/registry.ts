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

export interface RegistryRequest {
  kind: RegistryRequest.Kind
  name: string
  role: Role
  addresses: Uint8Array[]
  nonce: Uint8Array
  subject?: Uint8Array
}

export namespace RegistryRequest {
  export enum Kind {
    UNSPECIFIED = 'UNSPECIFIED',
    REGISTER = 'REGISTER',
    DEREGISTER = 'DEREGISTER',
    REPORT_DEAD = 'REPORT_DEAD',
    LOOKUP = 'LOOKUP'
  }

  enum __KindValues {
    UNSPECIFIED = 0,
    REGISTER = 1,
    DEREGISTER = 2,
    REPORT_DEAD = 3,
    LOOKUP = 4
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<RegistryRequest>

  export const codec = (): Codec<RegistryRequest> => {
    if (_codec == null) {
      _codec = message<RegistryRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          RegistryRequest.Kind.codec().encode(obj.kind, w)
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

        if (obj.subject != null) {
          w.uint32(50)
          w.bytes(obj.subject)
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
          nonce: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = RegistryRequest.Kind.codec().decode(reader)
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
              obj.subject = reader.bytes()
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

  export const encode = (obj: Partial<RegistryRequest>): Uint8Array => {
    return encodeMessage(obj, RegistryRequest.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegistryRequest>): RegistryRequest => {
    return decodeMessage(buf, RegistryRequest.codec(), opts)
  }
}

export interface RegistryResponse {
  status: RegistryResponse.Status
  error?: string
  name?: string
  certificate?: Uint8Array
  peers?: number
}

export namespace RegistryResponse {
  export enum Status {
    UNSPECIFIED = 'UNSPECIFIED',
    OK = 'OK',
    NAME_TAKEN = 'NAME_TAKEN',
    DUPLICATE_KEY = 'DUPLICATE_KEY',
    ALIVE = 'ALIVE',
    REJECTED = 'REJECTED',
    UNKNOWN = 'UNKNOWN'
  }

  enum __StatusValues {
    UNSPECIFIED = 0,
    OK = 1,
    NAME_TAKEN = 2,
    DUPLICATE_KEY = 3,
    ALIVE = 4,
    REJECTED = 5,
    UNKNOWN = 6
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<RegistryResponse>

  export const codec = (): Codec<RegistryResponse> => {
    if (_codec == null) {
      _codec = message<RegistryResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          RegistryResponse.Status.codec().encode(obj.status, w)
        }

        if (obj.error != null) {
          w.uint32(18)
          w.string(obj.error)
        }

        if (obj.name != null) {
          w.uint32(26)
          w.string(obj.name)
        }

        if (obj.certificate != null) {
          w.uint32(34)
          w.bytes(obj.certificate)
        }

        if (obj.peers != null) {
          w.uint32(40)
          w.uint32(obj.peers)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.UNSPECIFIED
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = RegistryResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.error = reader.string()
              break
            }
            case 3: {
              obj.name = reader.string()
              break
            }
            case 4: {
              obj.certificate = reader.bytes()
              break
            }
            case 5: {
              obj.peers = reader.uint32()
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

  export const encode = (obj: Partial<RegistryResponse>): Uint8Array => {
    return encodeMessage(obj, RegistryResponse.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegistryResponse>): RegistryResponse => {
    return decodeMessage(buf, RegistryResponse.codec(), opts)
  }
}
