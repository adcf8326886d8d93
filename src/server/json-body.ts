/**
 * The one JSON body parser, for Fastify's routes and the gateway fast path alike: prototype
 * poisoning refused (secure-json-parse, as Fastify's default), nesting capped, and a 400 that
 * says what is wrong with the JSON (Fastify's default only says that it is wrong).
 * @module
 */
import sjson from 'secure-json-parse'
import { badRequest } from '../errors/app-error.js'

/**
 * Deepest nesting of arrays and objects a body may have. JSON.parse takes any depth, but
 * everything after it that walks the value recursively (JSON.stringify towards the upstream,
 * shape counting, schema checks) overflows the stack a few thousand levels down; no real
 * request (tool schemas included) comes near this.
 */
export const MAX_JSON_DEPTH = 128

export function parseJsonBody(raw: Buffer | string): unknown {
  if (raw.length === 0) throw badRequest('request body is empty: expected a JSON object')
  const text = typeof raw === 'string' ? raw : raw.toString('utf8')
  let value: unknown
  try {
    // A `__proto__` or `constructor` key is spelt with its letters as they are or with \u
    // escapes: a text with neither those words nor any \u cannot hold one, and plain
    // JSON.parse is then the same answer for a fraction of the scan (every gateway call).
    if (!text.includes('proto') && !text.includes('constructor') && !text.includes('\\u')) {
      value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
    } else {
      value = sjson.parse(text, { protoAction: 'error', constructorAction: 'error' })
    }
  } catch (err) {
    throw badRequest(`malformed JSON body: ${(err as Error).message}`, { code: 'invalid_json' })
  }
  if (nestedDeeperThan(text, MAX_JSON_DEPTH)) {
    throw badRequest(`JSON body nested deeper than ${MAX_JSON_DEPTH} levels (the limit)`, {
      code: 'json_too_deep',
    })
  }
  return value
}

/**
 * Whether valid JSON `text` nests arrays/objects deeper than `max`. A scan of the text (brackets
 * inside strings skipped) rather than a walk of the parsed value: no recursion, no allocation,
 * and a body shorter than `max` brackets is not scanned at all.
 */
export function nestedDeeperThan(text: string, max: number): boolean {
  if (text.length <= max) return false
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) {
      // Skip the string: to the next quote not escaped by an odd run of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1)
        if (i === -1) return false
        let k = i - 1
        while (text.charCodeAt(k) === 0x5c) k--
        if ((i - k) % 2 === 1) break
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true
    } else if (c === 0x7d || c === 0x5d) {
      depth--
    }
  }
  return false
}
