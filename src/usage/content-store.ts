/**
 * Optional content storage (off by default). Only when the environment allows it
 * (`LATCHKEY_STORE_CONTENT`) AND the org turned it on (`storeContent` setting) does a call's
 * request and response get kept — sealed with the vault's keyring (a fresh data key per
 * blob, bound by associated data to the org and request), for the org's `retentionDays`,
 * then purged. Content never enters the audit log, usage rows, logs or metrics.
 *
 * The gateway asks `enabled(orgId)` before capturing anything and hands the content to
 * `record` after the response (fire and forget).
 * @module
 */
import type { Logger } from 'pino'
import type { DbHandle } from '../db/database.js'
import { newId } from '../identity/secrets.js'
import type { ContentSealer } from '../vault/content-sealer.js'

export interface CallContent {
  orgId: string
  workspaceId: string | null
  requestId: string
  ts?: number
  /** The request body as received (JSON). */
  request: unknown
  /** The response body (JSON), or the reassembled stream, or null on error. */
  response: unknown
}

export class ContentStore {
  #timer: NodeJS.Timeout | undefined

  constructor(
    private readonly db: DbHandle,
    private readonly sealer: ContentSealer | null,
    private readonly settings: (orgId: string) => { storeContent: boolean; retentionDays: number },
    private readonly logger: Logger,
  ) {}

  /** Whether content of this org may be kept at all (checked before capturing it). */
  enabled(orgId: string): boolean {
    return this.sealer !== null && this.settings(orgId).storeContent
  }

  async record(c: CallContent): Promise<boolean> {
    if (!this.enabled(c.orgId) || !this.sealer) return false
    const ts = c.ts ?? Date.now()
    const sealed = await this.sealer.seal(
      c.orgId,
      `call:${c.requestId}`,
      JSON.stringify({ request: c.request, response: c.response }),
    )
    await this.db.db
      .insertInto('call_contents')
      .values({
        id: newId('cnt'),
        org_id: c.orgId,
        workspace_id: c.workspaceId,
        request_id: c.requestId,
        ts,
        sealed,
        expires_at: ts + this.settings(c.orgId).retentionDays * 86_400_000,
      })
      .execute()
    return true
  }

  /** Unseals a stored call (for an admin's review); null when not kept or purged. */
  async read(orgId: string, requestId: string): Promise<{ request: unknown; response: unknown } | null> {
    if (!this.sealer) return null
    const row = await this.db.db
      .selectFrom('call_contents')
      .select(['sealed'])
      .where('org_id', '=', orgId)
      .where('request_id', '=', requestId)
      .where('expires_at', '>', Date.now())
      .executeTakeFirst()
    if (!row) return null
    return JSON.parse(await this.sealer.open(orgId, `call:${requestId}`, row.sealed))
  }

  /** Deletes everything past its retention; returns how many rows went. */
  async purge(now = Date.now()): Promise<number> {
    const r = await this.db.db.deleteFrom('call_contents').where('expires_at', '<=', now).executeTakeFirst()
    const n = Number(r.numDeletedRows)
    if (n > 0) this.logger.info({ purged: n }, 'stored call content past retention purged')
    return n
  }

  start(everyMs = 3_600_000): void {
    void this.purge().catch(() => {})
    this.#timer = setInterval(() => void this.purge().catch(() => {}), everyMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
  }
}
