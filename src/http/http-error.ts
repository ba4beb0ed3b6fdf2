import { messageOf, nameOf } from '../errors.js'

/**
 * An error answer of the HTTP API: a status and a JSON body whose `error` is a stable, short phrase that scripts
 * can match ("Invalid JSON", "Unknown peer", ...), with `detail` saying what exactly was wrong.
 */
export class HttpError extends Error {
  readonly statusCode: number
  readonly error: string

  constructor (statusCode: number, error: string, detail?: string) {
    super(detail ?? error)
    this.statusCode = statusCode
    this.error = error
  }

  body (): Record<string, unknown> {
    return { error: this.error, ...(this.message !== this.error ? { detail: this.message } : {}) }
  }
}

/** The node's named errors, as HTTP answers. Anything else is a 500 that tells nothing of the internals. */
const BY_NAME: Record<string, [number, string]> = {
  UnknownPeerError: [404, 'Unknown peer'],
  UnreachablePeerError: [502, 'Unreachable peer'],
  TimeoutError: [504, 'Timeout'],
  AbortError: [504, 'Timeout'],
  RejectedError: [422, 'Rejected'],
  MessageTooLargeError: [413, 'Message too large'],
  NotStartedError: [503, 'Not started'],
  NotOperatorError: [403, 'Not an operator']
}

export function toHttpError (err: unknown): HttpError {
  if (err instanceof HttpError) {
    return err
  }
  const known = BY_NAME[nameOf(err)]
  if (known != null) {
    return new HttpError(known[0], known[1], messageOf(err))
  }
  // gossipsub refuses to publish when no peer is subscribed yet
  if (messageOf(err).includes('NoPeersSubscribedToTopic')) {
    return new HttpError(503, 'No peers', 'this node has no peers to broadcast to yet')
  }
  return new HttpError(500, 'Internal error')
}
