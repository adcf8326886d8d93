import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { randomToken, sha256Hex } from './secrets.js'

type Db = Kysely<Database> | Transaction<Database>

export const SESSION_TTL_MS = 24 * 3_600_000

export interface NewSession {
  orgId: string
  userId?: string | null
  tokenId?: string | null
}

/** Creates a browser session; returns the raw cookie value and CSRF token (only hashes are stored). */
export async function createSession(
  db: Db,
  s: NewSession,
): Promise<{ raw: string; csrf: string; expiresAt: number }> {
  const raw = randomToken(32)
  const csrf = randomToken(24)
  const now = Date.now()
  const expiresAt = now + SESSION_TTL_MS
  await db
    .insertInto('sessions')
    .values({
      id: sha256Hex(raw),
      user_id: s.userId ?? null,
      token_id: s.tokenId ?? null,
      org_id: s.orgId,
      csrf_hash: sha256Hex(csrf),
      created_at: now,
      expires_at: expiresAt,
    })
    .execute()
  // Expired sessions are swept opportunistically so the table does not grow without bound.
  await db.deleteFrom('sessions').where('expires_at', '<', now).execute()
  return { raw, csrf, expiresAt }
}
