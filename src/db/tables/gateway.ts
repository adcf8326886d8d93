/** Gateway routes: an alias per org over weighted targets and ordered fallbacks. */
export interface GatewayRoutesTable {
  id: string
  org_id: string
  alias: string
  /** JSON text: {targets, fallbacks, retry, timeoutMs, deadlineMs, mode}. */
  spec: string
  created_by: string | null
  created_at: number
  updated_at: number
}

export interface GatewayTables {
  gateway_routes: GatewayRoutesTable
}
