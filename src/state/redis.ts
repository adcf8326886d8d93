import { Redis } from 'ioredis'

/** Opens a Redis client that fails fast instead of queueing commands forever while down. */
export function openRedis(url: string, name: string): Redis {
  const client = new Redis(url, {
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
