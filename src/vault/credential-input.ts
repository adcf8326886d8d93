/**
 * Validation of credential metadata (name, kind, base URL, region, models) shared by create
 * and PATCH. Secrets are validated in secret-material.ts.
 * @module
 */
import type { Config } from '../config/config.js'
import { badRequest } from '../errors/app-error.js'
import { KIND_NAMES, type KindInfo, kindInfo } from '../providers/kinds.js'
import { checkBaseUrl, type EgressSettings } from './base-url.js'

/** Names appear in model ids as `<name>/<model>`: no slash, no spaces. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function checkName(name: string): string {
  const n = name.trim()
  if (!NAME_RE.test(n)) {
    throw badRequest(
      'name must be 1-64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit',
      {
        param: 'name',
      },
    )
  }
  return n
}

export function checkKind(provider: string): KindInfo {
  const info = kindInfo(provider)
  if (!info) {
    throw badRequest(`unknown provider kind "${provider}"; valid kinds: ${KIND_NAMES.join(', ')}`, {
      param: 'provider',
      code: 'unknown_provider',
    })
  }
  return info
}

export function checkModels(models: string[] | undefined): string[] {
  const list = [...new Set((models ?? []).map((m) => m.trim()).filter(Boolean))]
  if (list.length > 1000) throw badRequest('models: at most 1000 entries', { param: 'models' })
  for (const m of list) {
    if (m.length > 200 || /\s/.test(m))
      throw badRequest('models: each id is 1-200 characters without spaces', { param: 'models' })
  }
  return list
}

const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/
const GCP_LOCATION = /^[a-z]+-[a-z]+\d+$/

/** Region → regional base URL where the kind has regions; region stays a free label elsewhere. */
function regionalBaseUrl(info: KindInfo, region: string): string | undefined {
  const known = info.regions?.[region]
  if (known) return known
  if (info.kind === 'bedrock' && AWS_REGION.test(region))
    return `https://bedrock-runtime.${region}.amazonaws.com`
  if (info.kind === 'vertex' && GCP_LOCATION.test(region))
    return `https://${region}-aiplatform.googleapis.com`
  if (info.regions) {
    throw badRequest(
      `unknown region "${region}" for ${info.kind}; known regions: ${Object.keys(info.regions).join(', ')}`,
      { param: 'region' },
    )
  }
  return undefined
}

/**
 * The base URL and region to store: explicit base URL, else the region's URL, else the kind's
 * default; checked against the egress policy (scheme, credentials, link-local/metadata, mode,
 * and for a credential no org admin vouched for, the org's privateOrigins).
 */
export function resolveEndpoint(
  info: KindInfo,
  input: { baseUrl?: string | null; region?: string | null },
  policy: EgressSettings,
): { baseUrl: string; region: string | null } {
  const region = input.region?.trim() || null
  if (region && (region.length > 64 || !/^[A-Za-z0-9._-]+$/.test(region))) {
    throw badRequest('region must be 1-64 characters: letters, digits, ".", "_" or "-"', { param: 'region' })
  }
  const fromRegion = region ? regionalBaseUrl(info, region) : undefined
  const raw = input.baseUrl?.trim() || fromRegion || (info.baseUrlRequired ? undefined : info.defaultBaseUrl)
  if (!raw) {
    if (info.kind === 'http-secret') return { baseUrl: '', region }
    throw badRequest(`baseUrl is required for ${info.kind}`, { param: 'baseUrl', code: 'missing_base_url' })
  }
  const v = checkBaseUrl(raw, policy)
  if (!v.ok) throw badRequest(`baseUrl ${v.reason}`, { param: 'baseUrl', code: v.code ?? 'invalid_base_url' })
  return { baseUrl: v.url, region }
}

const MAX_ORIGINS = 20

/**
 * The origins an `http-secret` may be sent to: each `http(s)://host[:port]` (a trailing slash
 * is fine; no path, credentials, query or fragment), judged by the egress rules like a base
 * URL, normalised as the URL standard's origin (lower-case host, default port dropped,
 * punycode) so the check at call time compares like with like. At least one, at most 20.
 */
export function checkOrigins(raw: readonly string[] | undefined, policy: EgressSettings): string[] {
  if (!raw || raw.length === 0) {
    throw badRequest(
      'origins: an http-secret needs the origins it may be sent to, e.g. ["https://hooks.example.com"]',
      {
        param: 'origins',
        code: 'missing_origins',
      },
    )
  }
  if (raw.length > MAX_ORIGINS) throw badRequest(`origins: at most ${MAX_ORIGINS}`, { param: 'origins' })
  return normaliseOrigins(raw, policy, 'origins')
}

/**
 * The org's `privateOrigins` setting: origins as for an http-secret (judged by the server's
 * egress ceiling: metadata hosts are refused), normalised; an empty list clears it.
 */
export function checkPrivateOrigins(
  raw: readonly string[],
  config: Pick<Config, 'egress' | 'egressAllow'>,
): string[] {
  return normaliseOrigins(raw, { mode: config.egress, allow: config.egressAllow }, 'privateOrigins')
}

function normaliseOrigins(raw: readonly string[], policy: EgressSettings, param: string): string[] {
  const out = new Set<string>()
  for (const entry of raw) {
    const v = checkBaseUrl(entry, policy)
    if (!v.ok) throw badRequest(`${param}: ${entry} ${v.reason}`, { param, code: v.code ?? 'invalid_origin' })
    const u = new URL(v.url)
    if (u.pathname !== '/' && u.pathname !== '') {
      throw badRequest(`${param}: ${entry} must be an origin (scheme://host[:port]) without a path`, {
        param,
        code: 'invalid_origin',
      })
    }
    out.add(u.origin)
  }
  return [...out].sort()
}

/** The origins stored on a row (`[]` for provider kinds). Throws on unreadable JSON. */
export function originsOf(row: { origins: string | null }): string[] {
  if (row.origins === null) return []
  const list = JSON.parse(row.origins) as unknown
  if (!Array.isArray(list) || !list.every((o) => typeof o === 'string')) {
    throw new Error('credentials.origins is not a JSON array of strings')
  }
  return list
}
