/**
 * The one rule for an object id in a request, whether it comes in the path, the query or the
 * body: a non-empty string of at most 64 characters without control characters. An empty
 * string is not an id (it is refused with a 400 naming the field, instead of reaching a
 * foreign key), and no lookup ever carries a NUL (which PostgreSQL refuses with an error).
 * @module
 */
import { z } from 'zod'

export const ID_MAX = 64

/** C0 controls and DEL: no id holds one, and PostgreSQL refuses a NUL in any text. */
export function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}

export const Id = z
  .string()
  .min(1, 'an empty string is not an id')
  .max(ID_MAX)
  .refine((s) => !hasControlChar(s), 'an id has no control characters')

/** `/:id` routes. */
export const IdParams = z.strictObject({ id: Id })
