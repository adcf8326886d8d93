import { createRequire } from 'node:module'
import type { Redis } from 'ioredis'

/** Opens a Redis client that fails fast instead of queueing commands forever while down. */
export function openRedis(url: string, name: string): Redis {
  // Loaded on first use: installations without REDIS_URL never pay for the client at start.
  const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis')
  const client = new RedisClient(url, {
    connectionName: `latchkey-${name}`,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  })
  // Connection errors are reported by the users of the client; an unhandled 'error' event
  // would crash the process.
  client.on('error', () => {})
  return client
}
