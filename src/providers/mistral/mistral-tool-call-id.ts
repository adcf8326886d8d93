/**
 * Mistral accepts only tool-call ids of exactly nine ASCII letters or digits and answers any
 * other with 400 "Tool call id was … but must be a-z, A-Z, 0-9, with a length of 9". Its own
 * ids already have that shape; ids from another provider earlier in the conversation (e.g.
 * Anthropic `toolu_…`, OpenAI `call_…`) are mapped to a nine-character id derived from them, so
 * a call and its result still match and a retry or replay sends the same ids.
 * @see ../../../../shared/PROVIDERS.md §10.15
 * @module
 */
import { createHash } from 'node:crypto'

const VALID = /^[A-Za-z0-9]{9}$/
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** The id unchanged when Mistral accepts it, otherwise a stable nine-character id derived from it. */
export function mistralToolCallId(id: string): string {
  if (VALID.test(id)) return id
  const digest = createHash('sha256').update(id).digest()
  let out = ''
  for (let i = 0; i < 9; i++) out += ALPHABET[digest[i]! % ALPHABET.length]
  return out
}
