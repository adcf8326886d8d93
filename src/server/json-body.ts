/**
 * The one JSON body parser, for Fastify's routes and the gateway fast path alike: prototype
 * poisoning refused (secure-json-parse, as Fastify's default), and a 400 that says what is
 * wrong with the JSON (Fastify's default only says that it is wrong).
 * @module
 */
import sjson from 'secure-json-parse'
import { badRequest } from '../errors/app-error.js'

export function parseJsonBody(raw: Buffer | string): unknown {
  if (raw.length === 0) throw badRequest('request body is empty: expected a JSON object')
  const text = typeof raw === 'string' ? raw : raw.toString('utf8')
  try {
    // A `__proto__` or `constructor` key is spelt with its letters as they are or with \u
    // escapes: a text with neither those words nor any \u cannot hold one, and plain
    // JSON.parse is then the same answer for a fraction of the scan (every gateway call).
    if (!text.includes('proto') && !text.includes('constructor') && !text.includes('\\u')) {
      return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
    }
    return sjson.parse(text, { protoAction: 'error', constructorAction: 'error' })
  } catch (err) {
    throw badRequest(`malformed JSON body: ${(err as Error).message}`, { code: 'invalid_json' })
  }
}
