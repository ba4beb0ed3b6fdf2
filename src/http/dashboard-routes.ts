import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'

/** The page and its script live in src/http/dashboard (shipped with the package, next to dist/). */
const DASHBOARD_DIR = fileURLToPath(new URL('../../src/http/dashboard/', import.meta.url))

/** What /ui serves: the page, its script and style, and the graph library, from the package itself (no CDN). */
const FILES: Record<string, { path: string, type: string }> = {
  '/ui': { path: `${DASHBOARD_DIR}index.html`, type: 'text/html; charset=utf-8' },
  '/ui/dashboard.js': { path: `${DASHBOARD_DIR}dashboard.js`, type: 'text/javascript; charset=utf-8' },
  '/ui/dashboard.css': { path: `${DASHBOARD_DIR}dashboard.css`, type: 'text/css; charset=utf-8' },
  '/ui/cytoscape.min.js': { path: createRequire(import.meta.url).resolve('cytoscape/dist/cytoscape.min.js'), type: 'text/javascript; charset=utf-8' }
}

/** The live network graph in the browser: GET /ui. Files are read once, on first request. */
export function dashboardRoutes (app: FastifyInstance): void {
  const cache = new Map<string, Buffer>()
  for (const [url, file] of Object.entries(FILES)) {
    app.get(url, async (_request, reply) => {
      let content = cache.get(url)
      if (content == null) {
        content = await readFile(file.path)
        cache.set(url, content)
      }
      return reply
        .type(file.type)
        .header('cache-control', 'no-cache')
        // the page talks to its own node only, and runs no script from elsewhere
        .header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
        .send(content)
    })
  }
}
