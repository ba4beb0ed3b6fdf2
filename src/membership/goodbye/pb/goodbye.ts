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

export interface Goodbye {
  reason: Goodbye.Reason
  message?: string
}

export namespace Goodbye {
  export enum Reason {
    UNSPECIFIED = 'UNSPECIFIED',
    LEAVING = 'LEAVING',
    NETWORK_SHUTDOWN = 'NETWORK_SHUTDOWN'
  }

  enum __ReasonValues {
    UNSPECIFIED = 0,
    LEAVING = 1,
    NETWORK_SHUTDOWN = 2
  }

  export namespace Reason {
    export const codec = (): Codec<Reason> => {
      return enumeration<Reason>(__ReasonValues)
    }
  }

  let _codec: Codec<Goodbye>

  export const codec = (): Codec<Goodbye> => {
    if (_codec == null) {
      _codec = message<Goodbye>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.reason != null && __ReasonValues[obj.reason] !== 0) {
          w.uint32(8)
          Goodbye.Reason.codec().encode(obj.reason, w)
        }

        if (obj.message != null) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          reason: Reason.UNSPECIFIED
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.reason = Goodbye.Reason.codec().decode(reader)
              break
            }
            case 2: {
              obj.message = reader.string()
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

  export const encode = (obj: Partial<Goodbye>): Uint8Array => {
    return encodeMessage(obj, Goodbye.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Goodbye>): Goodbye => {
    return decodeMessage(buf, Goodbye.codec(), opts)
  }
}

export interface GoodbyeAck {}

export namespace GoodbyeAck {
  let _codec: Codec<GoodbyeAck>

  export const codec = (): Codec<GoodbyeAck> => {
    if (_codec == null) {
      _codec = message<GoodbyeAck>((obj, w, opts = {}) => {
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

  export const encode = (obj: Partial<GoodbyeAck>): Uint8Array => {
    return encodeMessage(obj, GoodbyeAck.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GoodbyeAck>): GoodbyeAck => {
    return decodeMessage(buf, GoodbyeAck.codec(), opts)
  }
}
