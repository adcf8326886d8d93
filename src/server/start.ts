import type { FastifyInstance } from 'fastify'
import type { Config } from '../config/config.js'
import { buildApp } from './app.js'
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.js'

export interface RunningServer {
  app: FastifyInstance
  runtime: Runtime
  address: string
  /** Resolves once the server has shut down (signal or stop()). */
  closed: Promise<void>
  stop(): Promise<void>
}

/**
 * Starts the server and installs graceful shutdown: on SIGTERM/SIGINT readiness turns off,
 * the balancer gets time to notice, in-flight calls and streams finish (bounded: what is left
 * at the deadline is cut in its caller's protocol), background writers flush and the database
 * closes (server/lifecycle.ts). A second signal exits at once: the journal keeps anything
 * not yet written.
 */
export async function startServer(
  config: Config,
  opts: RuntimeOptions & { signals?: boolean } = {},
): Promise<RunningServer> {
  const runtime = await createRuntime(config, opts)
  let app: FastifyInstance
  try {
    app = await buildApp(runtime)
    await app.listen({ host: config.host, port: config.port })
  } catch (err) {
    await runtime.close().catch(() => {})
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EADDRINUSE')
      throw new Error(`port ${config.port} on ${config.host} is already in use (set LATCHKEY_PORT)`)
    if (e.code === 'EADDRNOTAVAIL') throw new Error(`cannot bind ${config.host} (set LATCHKEY_HOST)`)
    if (e.code === 'EACCES') throw new Error(`not allowed to bind ${config.host}:${config.port}`)
    throw err
  }
  const addr = app.server.address()
  const address =
    typeof addr === 'object' && addr
      ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`
      : String(addr)
  runtime.logger.info({ address, instance: runtime.instanceId }, 'latchkey listening')

  let resolveClosed!: () => void
  const closed = new Promise<void>((r) => {
    resolveClosed = r
  })
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      runtime.logger.info('shutting down: draining requests')
      try {
        await app.lifecycle.drain(app.server, {
          drainDelayMs: config.drainDelayMs,
          drainTimeoutMs: config.drainTimeoutMs,
          log: (msg, extra) => runtime.logger.info(extra ?? {}, msg),
        })
        await app.close()
      } finally {
        await runtime.close()
        resolveClosed()
      }
    })()
    return stopping
  }
  if (opts.signals !== false) {
    let signals = 0
    const onSignal = (sig: NodeJS.Signals) => {
      runtime.logger.info({ signal: sig }, 'signal received')
      if (++signals > 1) {
        runtime.logger.warn('second signal: exiting without waiting for the drain')
        process.exit(1)
      }
      void stop().then(() => {
        process.off('SIGTERM', onSignal)
        process.off('SIGINT', onSignal)
      })
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  }
  return { app, runtime, address, closed, stop }
}
