/**
 * Egress policy and SSRF-guarded outbound HTTP. Other areas use `rt.gateway.egress.fetch(orgId,
 * url, init)` (or `dispatcher(policyFor(orgId))` with undici.request) for any URL a
 * user can set.
 * @module
 */
export {
  createGuardedAgent,
  EgressBlockedError,
  type Resolver,
  resolveChecked,
  systemResolver,
} from './dispatcher.js'
export { checkUrl, EgressService, type OrgEgressSource } from './egress-service.js'
export {
  checkOrgEgress,
  classifyAddress,
  type EgressMode,
  type EgressPolicy,
  effectivePolicy,
  makePolicy,
  type OrgEgressSetting,
  refusal,
} from './policy.js'
