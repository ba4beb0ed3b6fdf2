/* eslint-disable import/export */
/* eslint-disable complexity */
/* eslint-disable @typescript-eslint/no-namespace */
/* eslint-disable @typescript-eslint/no-unnecessary-boolean-literal-compare */
/* eslint-disable @typescript-eslint/no-empty-interface */
/* eslint-disable import/consistent-type-specifier-style */
/* eslint-disable @typescript-eslint/no-unused-vars */

import { decodeMessage, encodeMessage, message } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Broadcast {
  id: Uint8Array
  payload: Uint8Array
  senderName: string
  sentAt: number
}

export namespace Broadcast {
  let _codec: Codec<Broadcast>

  export const codec = (): Codec<Broadcast> => {
    if (_codec == null) {
      _codec = message<Broadcast>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.payload)
        }

        if ((obj.senderName != null && obj.senderName !== '')) {
          w.uint32(26)
          w.string(obj.senderName)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.sentAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          payload: uint8ArrayAlloc(0),
          senderName: '',
          sentAt: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.payload = reader.bytes()
              break
            }
            case 3: {
              obj.senderName = reader.string()
              break
            }
            case 4: {
              obj.sentAt = reader.uint64Number()
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

  export const encode = (obj: Partial<Broadcast>): Uint8Array => {
    return encodeMessage(obj, Broadcast.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Broadcast>): Broadcast => {
    return decodeMessage(buf, Broadcast.codec(), opts)
  }
}
