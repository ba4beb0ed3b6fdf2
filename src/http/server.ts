import { createHash, timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import { apiRoutes } from './api-routes.js'
import { dashboardRoutes } from './dashboard-routes.js'
import { EventStreams } from './events.js'
import { HttpError, toHttpError } from './http-error.js'
import { MessageLog } from './message-log.js'
import { NodeMetrics, registerNodeMetrics } from './metrics.js'
import { seedRoutes } from './seed-routes.js'
import { isLoopback, type HttpConfig } from '../config.js'
import { messageOf } from '../errors.js'
import type { P2PNode } from '../p2p-node.js'
import type { Logger } from '@libp2p/interface'

/** Messages kept for GET /messages and the dashboard's feed. */
const MESSAGE_LOG_CAPACITY = 1000
/** A request body beyond this is refused before it is parsed: room for the largest message, JSON-escaped. */
const bodyLimit = (maxMessageBytes: number): number => maxMessageBytes * 6 + 4096

/**
 * The node's local HTTP control API (see docs/http-api.md): the Flask seed's contract, the P2P paths, Prometheus
 * metrics and the dashboard. Every error is a 4xx or 5xx JSON body with a stable `error` field.
 */
export class HttpApi {
  /** Messages this node received, newest last, and the ones POST /message recorded. */
  readonly log = new MessageLog(MESSAGE_LOG_CAPACITY)
  private readonly node: P2PNode
  private readonly config: HttpConfig
  /** The node's Prometheus registry: libp2p's metrics (given to libp2p) and ours. */
  private readonly metrics: NodeMetrics
  private readonly logger: Logger
  private app?: FastifyInstance
  private readonly events: EventStreams
  private address?: string
  private httpMessages = 0

  constructor (node: P2PNode, config: HttpConfig, metrics: NodeMetrics, logger: Logger) {
    this.node = node
    this.config = config
    this.metrics = metrics
    this.logger = logger
    this.events = new EventStreams(node, this.log)
    node.addEventListener('message', (evt) => { this.log.addReceived(evt.detail) })
    registerNodeMetrics(metrics.registry, () => ({ ...node.networkStatus(), httpMessages: this.httpMessages }))
    this.log.subscribe(message => { if (message.kind === 'http') this.httpMessages++ })
  }

  /** The base URL it serves at, e.g. `http://127.0.0.1:5001`, once it listens. */
  get url (): string | undefined {
    return this.address
  }

  /** Listens, serving `node`. Rejects (EADDRINUSE, ...) if the port cannot be had. */
  async start (): Promise<void> {
    if (this.app != null) return
    const { node, events } = this
    if (!isLoopback(this.config.host) && this.config.token == null) {
      process.emitWarning(`the HTTP API listens on ${this.config.host} without a token: anyone who can reach it controls this node. Set a token (--http-token).`, 'SecurityWarning')
    }
    const app = Fastify({
      bodyLimit: bodyLimit(node.maxMessageBytes),
      // wrong types are errors, not coerced: {"msg": 5} is not the text "5"
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
      forceCloseConnections: true,
      return503OnClosing: true
    })
    this.setUp(app)
    seedRoutes(app, node, this.log)
    apiRoutes(app, node, this.log, events)
    dashboardRoutes(app)
    app.get('/metrics', async (_request, reply) =>
      reply.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics()))
    await app.listen({ port: this.config.port, host: this.config.host })
    const bound = app.server.address()
    const port = typeof bound === 'object' && bound != null ? bound.port : this.config.port
    this.address = `http://${this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host}:${port}`
    this.app = app
    this.logger('HTTP API at %s', this.address)
  }

  async stop (): Promise<void> {
    const app = this.app
    this.app = undefined
    this.events.close()
    await app?.close()
  }

  /** Body parsing, the token check, 404 and 405, and one shape for every error. */
  private setUp (app: FastifyInstance): void {
    const methods = new Map<string, Set<string>>()
    app.addHook('onRoute', (route) => {
      const set = methods.get(route.url) ?? new Set()
      for (const method of [route.method].flat()) set.add(method)
      methods.set(route.url, set)
    })

    // every body is read as JSON, whatever its content type: `curl -d '{...}'` without a header works too
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
      if (body === '') {
        done(null, undefined)
        return
      }
      try {
        done(null, JSON.parse(body as string))
      } catch (err) {
        // Fastify types this callback's error as a FastifyError; the error handler takes an HttpError as it is
        done(new HttpError(400, 'Invalid JSON', messageOf(err)) as unknown as FastifyError, undefined)
      }
    })

    const token = this.config.token
    if (token != null) {
      const expected = digest(token)
      app.addHook('onRequest', async (request) => {
        // the health check, and the dashboard's files, which hold no data: a page cannot put the token on its
        // <script> and <link> tags; its API calls carry it
        const path = request.url.split('?')[0]
        if (path === '/health' || path === '/ui' || path.startsWith('/ui/')) return
        const header = request.headers.authorization ?? ''
        // browsers cannot set a header on EventSource or a link: the dashboard passes ?token=
        const given = header.startsWith('Bearer ') ? header.slice(7) : (request.query as Record<string, unknown> | undefined)?.token
        if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
          throw new HttpError(401, 'Unauthorized', 'give the token as "Authorization: Bearer <token>"')
        }
      })
    }

    app.setNotFoundHandler(async (request, reply) => {
      const path = request.url.split('?')[0]
      const allowed = methods.get(path)
      if (allowed != null) {
        const error = new HttpError(405, 'Method not allowed', `${request.method} ${path}; allowed: ${[...allowed].join(', ')}`)
        return reply.code(405).header('allow', [...allowed].join(', ')).send(error.body())
      }
      throw new HttpError(404, 'Not found', `no route ${request.method} ${path}`)
    })

    app.setErrorHandler(async (err: FastifyError | HttpError, request, reply) => {
      const answer = err instanceof HttpError ? err : fromFastify(err as FastifyError)
      if (answer.statusCode >= 500) {
        this.logger.error('%s %s failed: %s', request.method, request.url.split('?')[0], (err as Error).stack ?? err)
      }
      // a route may add fields to its refusals (the Flask seed's "status": "rejected")
      const fields = answer.statusCode < 500 ? (request.routeOptions.config as { errorFields?: Record<string, unknown> }).errorFields : undefined
      return reply.code(answer.statusCode).send({ ...answer.body(), ...fields })
    })
  }
}

/** Fastify's own errors (validation, body limits) and the node's, as the API's error bodies. */
function fromFastify (err: FastifyError): HttpError {
  if (err.validation != null) {
    return new HttpError(400, err.validationContext === 'querystring' ? 'Invalid query' : 'Invalid body', err.message)
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'Body too large', err.message)
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(400, 'Invalid body', err.message)
  }
  if (err.statusCode != null && err.statusCode >= 400 && err.statusCode < 500) {
    return new HttpError(err.statusCode, 'Bad request', err.message)
  }
  return toHttpError(err)
}

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}
