import type { Principal } from '../identity/principal.js'
import type { AuditEvent } from './audit-event.js'

/** A management event done by a principal in its own org (the common case for routes). */
export function actorEvent(
  p: Principal,
  action: string,
  fields: Omit<AuditEvent, 'orgId' | 'actor' | 'actorKind' | 'action'> = {},
): AuditEvent {
  return { orgId: p.orgId, actor: p.id, actorKind: p.kind, action, ...fields }
}
