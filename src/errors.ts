/**
 * Named errors. Callers should test `err.name`, not `instanceof`: two copies of
 * this package in one program would break `instanceof`.
 */

/** An option given to createNode() or the CLI is invalid. */
export class InvalidOptionError extends Error {
  static override name = 'InvalidOptionError'
  readonly option: string
  /** What is wrong with it, without the option's name. */
  readonly reason: string

  constructor (option: string, reason: string) {
    super(`Invalid option "${option}": ${reason}`)
    this.name = InvalidOptionError.name
    this.option = option
    this.reason = reason
  }
}

/** A message target (a peer id or name) is not known to this node. */
export class UnknownPeerError extends Error {
  static override name = 'UnknownPeerError'

  constructor (target: string) {
    super(`Unknown peer "${target}": not a peer id, nor the name of a known node`)
    this.name = UnknownPeerError.name
  }
}

/** A peer could not be dialed, or did not answer in time. */
export class UnreachablePeerError extends Error {
  static override name = 'UnreachablePeerError'

  constructor (target: string, cause: unknown) {
    super(`Peer ${target} is unreachable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = UnreachablePeerError.name
  }
}

/** The remote peer answered, but refused the message or request. */
export class RejectedError extends Error {
  static override name = 'RejectedError'

  constructor (message: string) {
    super(message)
    this.name = RejectedError.name
  }
}

/** A message is larger than the configured maximum. */
export class MessageTooLargeError extends Error {
  static override name = 'MessageTooLargeError'

  constructor (size: number, max: number) {
    super(`Message of ${size} bytes exceeds the maximum of ${max} bytes`)
    this.name = MessageTooLargeError.name
  }
}

/** The node is not running (never started, or already stopped). */
export class NotStartedError extends Error {
  static override name = 'NotStartedError'

  constructor (message = 'The node is not started') {
    super(message)
    this.name = NotStartedError.name
  }
}

/** The key file exists but does not hold a private key. */
export class InvalidKeyFileError extends Error {
  static override name = 'InvalidKeyFileError'

  constructor (path: string, reason: string) {
    super(`Key file ${path} is not usable: ${reason}`)
    this.name = InvalidKeyFileError.name
  }
}

/**
 * Why the network refused this node, or cannot take it: its name is held by another live node, its key is in use by
 * another process, a bootstrap address names a peer id that is not the one answering there, or a bootstrap rejected
 * the registration for another reason (its message says which).
 */
export type JoinRefusal = 'name-taken' | 'duplicate-key' | 'wrong-peer-id' | 'rejected'

/** The network refused this node, or cannot take it; `reason` says why. */
export class JoinRefusedError extends Error {
  static override name = 'JoinRefusedError'
  readonly reason: JoinRefusal

  constructor (reason: JoinRefusal, message: string) {
    super(message)
    this.name = JoinRefusedError.name
    this.reason = reason
  }
}

/** Only the network's operators may order a network shutdown. */
export class NotOperatorError extends Error {
  static override name = 'NotOperatorError'

  constructor (peerId: string) {
    super(`${peerId} is not an operator of this network: only an operator can order a shutdown`)
    this.name = NotOperatorError.name
  }
}

/** This Node.js is too old for libp2p's dependencies; the message says what to run instead. */
export class UnsupportedRuntimeError extends Error {
  static override name = 'UnsupportedRuntimeError'

  constructor (message: string) {
    super(message)
    this.name = UnsupportedRuntimeError.name
  }
}

/** The message of a thrown value: an Error's message, or the value as text. */
export function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** The class name of a thrown value ('' if it is not an Error): errors are told apart by name. */
export function nameOf (err: unknown): string {
  return err instanceof Error ? err.name : ''
}

/** A thrown value as an Error, for APIs that take one. */
export function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
