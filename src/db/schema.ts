/**
 * The typed database: one interface per concern under ./tables, merged here.
 * Add a concern by adding its file and one `extends` entry.
 * @module
 */
import type { AuditTables } from './tables/audit.js'
import type { GatewayTables } from './tables/gateway.js'
import type { IdentityTables } from './tables/identity.js'
import type { OpsTables } from './tables/ops.js'
import type { UsageTables } from './tables/usage.js'
import type { VaultTables } from './tables/vault.js'
import type { WorkflowTables } from './tables/workflows.js'

export interface Database
  extends IdentityTables,
    VaultTables,
    UsageTables,
    AuditTables,
    WorkflowTables,
    GatewayTables,
    OpsTables {}
