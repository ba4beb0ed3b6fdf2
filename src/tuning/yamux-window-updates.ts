/**
 * yamux 7 (the libp2p v2 line) sends a window update after every data frame a stream reads: each gossipsub RPC,
 * heartbeat or direct message is answered by a 12-byte frame of its own, with its own Noise packet and socket write,
 * which makes these updates a large share of a node's writes and CPU (docs/decisions/yamux-window-updates.md).
 *
 * Here a stream tells its peer about freed window only once it has read half of it (and always on its first frames,
 * which carry SYN or ACK), as go-yamux does. The yamux spec leaves the timing to the receiver: the sender
 * still never has more than a window in flight, and still learns of freed room before it runs out.
 *
 * yamux offers no option for this, so the stream class's method is wrapped, once per process, for every yamux
 * stream in it. This file goes once the yamux in use batches its updates itself.
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

/** The fields the wrapper reads; private in yamux's types, present on every stream. */
interface WindowState {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

let installed = false

/** Makes every yamux stream in this process send window updates at half the window. Idempotent. */
export function batchYamuxWindowUpdates (): void {
  if (installed) {
    return
  }
  installed = true
  const sendWindowUpdate = YamuxStream.prototype.sendWindowUpdate
  YamuxStream.prototype.sendWindowUpdate = function (this: YamuxStream): void {
    const stream = this as unknown as WindowState
    const opening = stream.state === StreamState.Init || stream.state === StreamState.SYNReceived
    if (!opening && stream.recvWindowCapacity > stream.recvWindow / 2) {
      return
    }
    sendWindowUpdate.call(this)
  }
}
