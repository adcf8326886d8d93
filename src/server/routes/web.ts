/**
 * Serves the workspace SPA (web/dist, built by `npm run build`) at `/`, open without auth
 * (DESIGN.md: the web app's static files). Hashed files under /assets are immutable; the HTML
 * shell is revalidated on every load so a deploy takes effect at once. Any other GET that is
 * not an API path gets the shell (client-side routing); API paths keep their JSON 404.
 * Registered last so every /api and /v1 route wins over the catch-all.
 * @module
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { notFound } from '../../errors/app-error.js'
import type { Runtime } from '../runtime.js'

/** src/server/routes and dist/server/routes both sit three levels below the package root. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url))

/**
 * Strict policy: scripts and styles only from this origin (no inline code, no eval), no
 * framing, no plugins, XHR/fetch only to this server. React and uPlot set styles through the
 * CSSOM, which `style-src 'self'` allows; markdown output is sanitized and has no style attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Invite tokens travel in the URL fragment; no referrer keeps every URL on this origin.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
}

const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'no-cache'
const SHORT = 'public, max-age=3600'

/** Paths that belong to the APIs: never answered with the HTML shell. */
function isApiPath(url: string): boolean {
  const p = url.split('?')[0] ?? ''
  return /^\/(api|v1)(\/|$)/.test(p) || p === '/healthz' || p === '/readyz' || p === '/metrics'
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Latchkey</title></head>
<body><h1>Latchkey</h1><p>The web app is not built. Run <code>npm run build</code> and restart the server.
The APIs under <code>/v1</code> and <code>/api/v1</code> work without it.</p></body></html>`

function applySecurityHeaders(reply: FastifyReply): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v)
}

/** The web routes for a given build folder (tests point it at a fixture). */
export function webRoutesFrom(dir: string) {
  return async function webRoutes(app: FastifyInstance, _rt: Runtime): Promise<void> {
    const root = path.resolve(dir)
    const indexPath = path.join(root, 'index.html')
    const built = fs.existsSync(indexPath)
    // Top-level files (favicon, robots.txt) known at start; everything else routes to the shell.
    const topFiles = built
      ? new Set(
          fs
            .readdirSync(root, { withFileTypes: true })
            .filter((d) => d.isFile() && d.name !== 'index.html')
            .map((d) => d.name),
        )
      : new Set<string>()

    await app.register(fastifyStatic, {
      root,
      serve: false,
      decorateReply: true,
      // Cache-Control is set per file class below, not by `send`.
      cacheControl: false,
      dotfiles: 'deny',
      index: false,
    })

    const shell = async (reply: FastifyReply) => {
      applySecurityHeaders(reply)
      reply.header('cache-control', REVALIDATE)
      if (!built) return reply.type('text/html; charset=utf-8').send(NOT_BUILT)
      return reply.sendFile('index.html', root, { cacheControl: false })
    }

    app.get(
      '/assets/*',
      { config: { auth: false }, schema: { hide: true }, logLevel: 'warn' },
      (req, reply) => {
        const rel = (req.params as { '*': string })['*']
        applySecurityHeaders(reply)
        reply.header('cache-control', IMMUTABLE)
        return reply.sendFile(path.posix.join('assets', rel), root, { cacheControl: false })
      },
    )

    app.get('/', { config: { auth: false }, schema: { hide: true } }, (_req, reply) => shell(reply))

    app.get('/*', { config: { auth: false }, schema: { hide: true } }, (req, reply) => {
      if (isApiPath(req.url)) {
        throw notFound(`no route for GET ${req.url.split('?')[0]}`, { code: 'route_not_found' })
      }
      const name = (req.params as { '*': string })['*']
      if (topFiles.has(name)) {
        applySecurityHeaders(reply)
        reply.header('cache-control', SHORT)
        return reply.sendFile(name, root, { cacheControl: false })
      }
      // A missing file with an extension is a real 404, not the shell (avoids HTML served as JS).
      if (/\.[a-z0-9]{1,8}$/i.test(name) && !name.includes('/')) {
        throw notFound(`no file ${name}`, { code: 'route_not_found' })
      }
      return shell(reply)
    })
  }
}

export const webRoutes = webRoutesFrom(DEFAULT_WEB_DIR)
