/* eslint-disable import/export */
/* eslint-disable complexity */
/* eslint-disable @typescript-eslint/no-namespace */
/* eslint-disable @typescript-eslint/no-unnecessary-boolean-literal-compare */
/* eslint-disable @typescript-eslint/no-empty-interface */
/* eslint-disable import/consistent-type-specifier-style */
/* eslint-disable @typescript-eslint/no-unused-vars */

import { decodeMessage, encodeMessage, enumeration, message } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface NetworkSizeRequest {}

export namespace NetworkSizeRequest {
  let _codec: Codec<NetworkSizeRequest>

  export const codec = (): Codec<NetworkSizeRequest> => {
    if (_codec == null) {
      _codec = message<NetworkSizeRequest>((obj, w, opts = {}) => {
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

  export const encode = (obj: Partial<NetworkSizeRequest>): Uint8Array => {
    return encodeMessage(obj, NetworkSizeRequest.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NetworkSizeRequest>): NetworkSizeRequest => {
    return decodeMessage(buf, NetworkSizeRequest.codec(), opts)
  }
}

export interface NetworkSizeResponse {
  size: number
  alive: number
  suspect: number
  method: NetworkSizeResponse.Method
  freshnessMs: number
  exact: boolean
}

export namespace NetworkSizeResponse {
  export enum Method {
    UNSPECIFIED = 'UNSPECIFIED',
    MEMBERSHIP_VIEW = 'MEMBERSHIP_VIEW'
  }

  enum __MethodValues {
    UNSPECIFIED = 0,
    MEMBERSHIP_VIEW = 1
  }

  export namespace Method {
    export const codec = (): Codec<Method> => {
      return enumeration<Method>(__MethodValues)
    }
  }

  let _codec: Codec<NetworkSizeResponse>

  export const codec = (): Codec<NetworkSizeResponse> => {
    if (_codec == null) {
      _codec = message<NetworkSizeResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(8)
          w.uint32(obj.size)
        }

        if ((obj.alive != null && obj.alive !== 0)) {
          w.uint32(16)
          w.uint32(obj.alive)
        }

        if ((obj.suspect != null && obj.suspect !== 0)) {
          w.uint32(24)
          w.uint32(obj.suspect)
        }

        if (obj.method != null && __MethodValues[obj.method] !== 0) {
          w.uint32(32)
          NetworkSizeResponse.Method.codec().encode(obj.method, w)
        }

        if ((obj.freshnessMs != null && obj.freshnessMs !== 0)) {
          w.uint32(40)
          w.uint32(obj.freshnessMs)
        }

        if ((obj.exact != null && obj.exact !== false)) {
          w.uint32(48)
          w.bool(obj.exact)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          size: 0,
          alive: 0,
          suspect: 0,
          method: Method.UNSPECIFIED,
          freshnessMs: 0,
          exact: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.size = reader.uint32()
              break
            }
            case 2: {
              obj.alive = reader.uint32()
              break
            }
            case 3: {
              obj.suspect = reader.uint32()
              break
            }
            case 4: {
              obj.method = NetworkSizeResponse.Method.codec().decode(reader)
              break
            }
            case 5: {
              obj.freshnessMs = reader.uint32()
              break
            }
            case 6: {
              obj.exact = reader.bool()
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

  export const encode = (obj: Partial<NetworkSizeResponse>): Uint8Array => {
    return encodeMessage(obj, NetworkSizeResponse.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NetworkSizeResponse>): NetworkSizeResponse => {
    return decodeMessage(buf, NetworkSizeResponse.codec(), opts)
  }
}
