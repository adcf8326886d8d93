/**
 * Periodic chain-head checkpoints to the log: `{orgId, seq, hash}` of every chain that moved.
 * The log lives outside the database (shipped elsewhere by the operator), so a later
 * truncation of the audit table — even one that rewinds the head row — no longer matches a
 * logged checkpoint: pass it to `/audit/verify?anchorSeq=&anchorHash=`.
 * @module
 */
import type { Logger } from 'pino'
import type { DbHandle } from '../db/database.js'

export class AuditCheckpoints {
  #last = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined

  constructor(
    private readonly db: DbHandle,
    private readonly logger: Logger,
    readonly everyMs = 5 * 60_000,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.tick().catch(() => {}), this.everyMs)
    this.#timer.unref()
  }

  /** Logs the head of each chain that moved since the last checkpoint; returns how many. */
  async tick(): Promise<number> {
    const heads = await this.db.db.selectFrom('audit_heads').select(['org_id', 'seq', 'hash']).execute()
    let n = 0
    for (const h of heads) {
      const seq = Number(h.seq)
      if (this.#last.get(h.org_id) === seq) continue
      this.#last.set(h.org_id, seq)
      this.logger.info({ auditCheckpoint: { orgId: h.org_id, seq, hash: h.hash } }, 'audit chain checkpoint')
      n += 1
    }
    return n
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    await this.tick().catch(() => {})
  }
}
