/** The coordinator's handle on one host process: requests over IPC, matched to their replies by id. */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Departure, HostReply, HostRequest, Refusal } from './host-protocol.js'

const HOST_SCRIPT = fileURLToPath(new URL('./host.js', import.meta.url))

type Pending = { resolve: (value: unknown) => void, reject: (err: Error) => void }
type RequestBody = HostRequest extends infer R ? R extends unknown ? Omit<R, 'id'> : never : never

/** What a host reports unasked, batched. */
export interface HostEvents {
  receipts: (receipts: Array<[number, number, number]>) => void
  departures: (departures: Departure[]) => void
  refusals: (refusals: Refusal[]) => void
}

export class HostProcess {
  /** The nodes (by index) this process runs. */
  readonly indices: number[]
  readonly started: Promise<void>
  readonly exited: Promise<void>
  private readonly child: ChildProcess
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private exitedWith?: Error

  constructor (indices: number[], on: HostEvents) {
    this.indices = indices
    // its own process group: a Ctrl-C at the terminal reaches the coordinator only, which then stops every host
    this.child = fork(HOST_SCRIPT, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], detached: true })
    let failStart: (err: Error) => void = () => {}
    this.started = new Promise((resolve, reject) => {
      failStart = reject
      this.child.on('message', (message: HostReply) => {
        if (message.type === 'ready') {
          resolve()
        } else if (message.type === 'receipts') {
          on.receipts(message.receipts)
        } else if (message.type === 'departures') {
          on.departures(message.departures)
        } else if (message.type === 'refusals') {
          on.refusals(message.refusals)
        } else {
          const pending = this.pending.get(message.id)
          this.pending.delete(message.id)
          if (message.ok) pending?.resolve(message.value)
          else pending?.reject(new Error(message.error))
        }
      })
    })
    this.started.catch(() => {})
    this.exited = new Promise(resolve => {
      this.child.once('exit', (code, signal) => {
        const err = new Error(`host process ${this.child.pid} exited (${signal ?? `code ${code}`})`)
        this.exitedWith = err
        failStart(err) // no effect once it started
        for (const pending of this.pending.values()) pending.reject(err)
        this.pending.clear()
        resolve()
      })
    })
  }

  async request<T> (request: RequestBody): Promise<T> {
    if (this.exitedWith != null) {
      throw this.exitedWith
    }
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      // with a callback, a send on a channel that closed meanwhile (the host stopping) fails this request instead of
      // emitting an 'error' that would crash the coordinator
      this.child.send({ ...request, id }, (err) => {
        if (err == null) return
        this.pending.delete(id)
        reject(this.exitedWith ?? err)
      })
    })
  }

  /** Asks the host to stop its nodes and exit; kills it if it has not after `deadline` ms. */
  async stop (deadline: number): Promise<void> {
    if (this.exitedWith != null) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => { this.kill() }, deadline)
    await this.exited
    clearTimeout(timer)
  }

  /** SIGKILL: a crash of every node it runs. */
  kill (): void {
    if (this.exitedWith == null) this.child.kill('SIGKILL')
  }
}
