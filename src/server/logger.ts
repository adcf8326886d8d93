import { type Logger, pino } from 'pino'
import { withoutParsedText } from '../errors/parse-failure.js'

/**
 * Paths pino must never print. Bodies are never logged at all (no serializer emits them);
 * these cover headers and any object that carries secret material by name.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'apiKey',
  'secret',
  'password',
  'token',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.token',
  '*.masterKey',
  'body',
  '*.body',
  'messages',
  '*.messages',
]

export function createLogger(
  level: string,
  opts: { pretty?: boolean; destination?: pino.DestinationStream } = {},
): Logger {
  const pretty = opts.pretty ?? (process.stdout.isTTY && !process.env.VITEST)
  const base = {
    level,
    base: { service: 'latchkey' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { id?: string; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        // The query string may carry values a caller did not mean to log; keep the path only.
        url: req.url?.split('?')[0],
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      // Parse errors quote what they parsed (often an upstream's body): class only.
      err: (err: Error) => pino.stdSerializers.err(withoutParsedText(err) as Error),
    },
  }
  if (opts.destination) return pino(base, opts.destination)
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } })
  return pino(base)
}
