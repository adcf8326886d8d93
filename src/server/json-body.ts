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
  try {
    return sjson.parse(raw, { protoAction: 'error', constructorAction: 'error' })
  } catch (err) {
    throw badRequest(`malformed JSON body: ${(err as Error).message}`, { code: 'invalid_json' })
  }
}
