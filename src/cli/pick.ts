/**
 * People name things; the API wants ids. One rule for every CLI command that takes
 * NAME|ID: an exact id wins, then a case-insensitive name; two objects with the same name
 * are refused with their ids listed (never a silent pick).
 * @module
 */
import { CliError } from './index.js'

export function pickByNameOrId<T extends { id: string; name: string }>(
  items: T[],
  nameOrId: string,
  what: string,
  detail: (t: T) => string = () => '',
): T {
  const byId = items.find((c) => c.id === nameOrId)
  if (byId) return byId
  const matches = items.filter((c) => c.name.toLowerCase() === nameOrId.toLowerCase())
  if (matches.length === 0) throw new CliError(`no ${what} named ${nameOrId}`)
  if (matches.length > 1) {
    const list = matches.map((c) => `${c.id}${detail(c) ? ` (${detail(c)})` : ''}`).join(', ')
    throw new CliError(`${matches.length} ${what}s are named ${nameOrId}: ${list}; pass the id`)
  }
  return matches[0]!
}
