import type { Migration } from 'kysely'
import * as m0001 from './0001-identity.js'
import * as m0002 from './0002-vault.js'
import * as m0003 from './0003-gateway.js'
import * as m0004 from './0004-usage-audit.js'
import * as m0005 from './0005-workflows.js'
import * as m0006 from './0006-key-custody.js'
import * as m0007 from './0007-pending-members-disabled-keys.js'
import * as m0008 from './0008-ops.js'
import * as m0009 from './0009-audit-keys.js'
import * as m0010 from './0010-audit-prune-mac.js'
import * as m0011 from './0011-budget-micro-usd.js'

/**
 * Every migration, in order. Names sort lexically; add new ones at the end with the next
 * number. Migrations must run unchanged on SQLite and PostgreSQL (dialect-neutral schema
 * builder calls only; column type `bigint` for epoch-ms times, `text` for JSON).
 */
export const migrations: Record<string, Migration> = {
  '0001-identity': m0001,
  '0002-vault': m0002,
  '0003-gateway': m0003,
  '0004-usage-audit': m0004,
  '0005-workflows': m0005,
  '0006-key-custody': m0006,
  '0007-pending-members-disabled-keys': m0007,
  '0008-ops': m0008,
  '0009-audit-keys': m0009,
  '0010-audit-prune-mac': m0010,
  '0011-budget-micro-usd': m0011,
}
