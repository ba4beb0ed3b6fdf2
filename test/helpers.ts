import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const DIST = fileURLToPath(new URL('../dist/', import.meta.url))

/** Polls `condition` until it holds, or fails with `message` after `timeout` ms. */
export async function waitFor (condition: () => boolean | Promise<boolean>, message: string, timeout = 20_000, interval = 50): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms: ${message}`)
    }
    await new Promise(resolve => setTimeout(resolve, interval))
  }
}

/** A TCP port free now on 127.0.0.1: for a node that must listen where another one is told to look for it. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

/** A CLI process whose output lines are collected, with a way to wait for one. */
export class CliProcess {
  readonly child: ChildProcessWithoutNullStreams
  readonly lines: string[] = []
  readonly errors: string[] = []
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  private readonly waiters: Array<() => void> = []

  /**
   * `script`: a file of dist/, or an absolute path. `netns`: run it in that network namespace (`ip netns exec`
   * execs, so signals reach the script itself).
   */
  constructor (script: string, args: string[], options: { node?: string, env?: Record<string, string>, netns?: string } = {}) {
    const command = [options.node ?? process.execPath, script.startsWith('/') ? script : `${DIST}${script}`, ...args]
    if (options.netns != null) command.unshift('ip', 'netns', 'exec', options.netns)
    this.child = spawn(command[0], command.slice(1), { stdio: 'pipe', env: { ...process.env, ...options.env } })
    for (const [stream, into] of [[this.child.stdout, this.lines], [this.child.stderr, this.errors]] as const) {
      createInterface({ input: stream }).on('line', line => {
        into.push(line)
        for (const wake of this.waiters.splice(0)) wake()
      })
    }
    this.exited = new Promise(resolve => {
      this.child.on('exit', (code, signal) => {
        for (const wake of this.waiters.splice(0)) wake()
        resolve({ code, signal })
      })
    })
  }

  /** The first output line (stdout or stderr) matching `pattern`, waiting up to `timeout` ms for it. */
  async waitForLine (pattern: RegExp, timeout = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeout
    while (true) {
      for (const line of [...this.lines, ...this.errors]) {
        const match = line.match(pattern)
        if (match != null) return match
      }
      if (this.child.exitCode != null || this.child.signalCode != null) {
        throw new Error(`process exited before printing ${pattern}; output:\n${[...this.lines, ...this.errors].join('\n')}`)
      }
      const left = deadline - Date.now()
      if (left <= 0) {
        throw new Error(`timed out waiting for ${pattern}; output:\n${[...this.lines, ...this.errors].join('\n')}`)
      }
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
  }

  /** Sends `signal` and waits up to `timeout` ms for the exit; kills it and fails past that. */
  async stop (signal: NodeJS.Signals = 'SIGTERM', timeout = 10_000): Promise<{ code: number | null, signal: NodeJS.Signals | null, ms: number }> {
    const start = Date.now()
    if (this.child.exitCode == null && this.child.signalCode == null) {
      this.child.kill(signal)
    }
    let timer: NodeJS.Timeout | undefined
    const result = await Promise.race([
      this.exited,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => { this.child.kill('SIGKILL'); reject(new Error(`no exit within ${timeout} ms of ${signal}`)) }, timeout)
      })
    ]).finally(() => { clearTimeout(timer) })
    return { ...result, ms: Date.now() - start }
  }

  /** Kills the process if it still runs; for cleanup hooks. */
  kill (): void {
    if (this.child.exitCode == null && this.child.signalCode == null) {
      this.child.kill('SIGKILL')
    }
  }
}
