/**
 * Kind-specific secret material: validates what a caller sends (`apiKey` or `secret`) into
 * the payload that gets sealed, and computes what may be shown about it (last 4, canonical
 * form for the fingerprint). Messages name fields, never values.
 * @module
 */
import { z } from 'zod'
import { badRequest } from '../errors/app-error.js'
import type { KindInfo } from '../providers/kinds.js'
import { placeholderReason } from './placeholder-key.js'

/** What is sealed: exactly one of the two is the main secret; `secret.headers` may accompany a key. */
export interface SecretPayload {
  apiKey?: string
  secret?: Record<string, unknown>
}

const MAX_SECRET = 16_384
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'cookie'])

/** A key travels in an HTTP header: visible ASCII only (no whitespace, controls or non-ASCII). */
export const sendableKey = (v: string): boolean => /^[\x21-\x7e]*$/.test(v)
/** A custom header value: a single line of printable ASCII (tabs allowed). */
export const sendableHeaderValue = (v: string): boolean => /^[\t\x20-\x7e]*$/.test(v)

const secretString = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .transform((v) => v.trim())
    .refine((v) => v.length > 0, `${field} must not be empty or whitespace`)
    .refine((v) => v.length <= MAX_SECRET, `${field} is too long`)
    .superRefine((v, ctx) => {
      const why = placeholderReason(v)
      if (why)
        ctx.addIssue({
          code: 'custom',
          message: `${field} looks like a placeholder, not a real key (${why}): paste the key from your provider's console`,
        })
    })
    // A key travels in an HTTP header: anything but visible ASCII would make every later call
    // (and the key test) fail when the header is built, so it is refused here, never stored.
    .refine(
      sendableKey,
      `${field} may hold visible ASCII characters only (no whitespace, control characters or non-ASCII; it is sent in an HTTP header)`,
    )

const headers = z
  .record(z.string(), z.string())
  .refine(
    (h) =>
      Object.keys(h).every((k) => /^[A-Za-z0-9-]{1,64}$/.test(k) && !FORBIDDEN_HEADERS.has(k.toLowerCase())),
    'headers: names must be plain header names (not host, content-length, cookie…)',
  )
  .refine((h) => Object.values(h).every((v) => v.trim().length > 0 && sendableHeaderValue(v)), {
    message:
      'headers: values must be non-empty single lines of printable ASCII (they are sent as HTTP headers)',
  })
  .optional()

const serviceAccount = z.union([z.string(), z.record(z.string(), z.unknown())]).transform((v, ctx) => {
  let o: unknown = v
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v)
    } catch {
      ctx.addIssue({ code: 'custom', message: 'secret.serviceAccount is not valid JSON' })
      return z.NEVER
    }
  }
  const sa = o as Record<string, unknown>
  if (typeof sa.client_email !== 'string' || typeof sa.private_key !== 'string') {
    ctx.addIssue({ code: 'custom', message: 'secret.serviceAccount needs client_email and private_key' })
    return z.NEVER
  }
  return sa
})

const SCHEMAS: Record<string, z.ZodType<Record<string, unknown>>> = {
  'azure-openai': z.strictObject({
    apiKey: secretString('secret.apiKey'),
    apiVersion: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'secret.apiVersion: YYYY-MM-DD[-preview]')
      .optional(),
    deployments: z.record(z.string(), z.string().min(1)).optional(),
    headers,
  }),
  bedrock: z
    .strictObject({
      accessKeyId: secretString('secret.accessKeyId').optional(),
      secretAccessKey: secretString('secret.secretAccessKey').optional(),
      sessionToken: secretString('secret.sessionToken').optional(),
      apiKey: secretString('secret.apiKey').optional(),
      headers,
    })
    .refine((s) => (s.accessKeyId && s.secretAccessKey) || s.apiKey, {
      message: 'secret needs accessKeyId and secretAccessKey (or a Bedrock apiKey)',
    }),
  vertex: z.strictObject({
    serviceAccount,
    project: z.string().min(1).max(100).optional(),
    location: z.string().min(1).max(64).optional(),
    headers,
  }),
}

const headersOnly = z.strictObject({ headers })

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const issue = r.error.issues[0]!
  const where = issue.path.length ? `secret.${issue.path.join('.')}: ` : ''
  throw badRequest(`${where}${issue.message}`, { param: 'secret', code: 'invalid_secret' })
}

/** Validates the secret input for a kind into the payload to seal. */
export function normalizeSecret(
  info: KindInfo,
  input: { apiKey?: unknown; secret?: unknown },
): SecretPayload {
  const { apiKey, secret } = input
  const out: SecretPayload = {}
  if (apiKey !== undefined && apiKey !== null) {
    const r = secretString('apiKey').safeParse(apiKey)
    if (!r.success) throw badRequest(r.error.issues[0]!.message, { param: 'apiKey', code: 'invalid_secret' })
    out.apiKey = r.data
  }
  if (info.secret === 'secret') {
    let s = secret
    // Shortcut: `apiKey` alone for Azure and Bedrock API keys.
    if (s === undefined && out.apiKey && (info.kind === 'azure-openai' || info.kind === 'bedrock')) {
      s = { apiKey: out.apiKey }
    } else if (out.apiKey) {
      throw badRequest(`${info.kind} takes its key inside secret, not apiKey`, { param: 'apiKey' })
    }
    if (s === undefined || s === null) {
      throw badRequest(`${info.kind} needs a secret object`, { param: 'secret', code: 'missing_secret' })
    }
    const schema = SCHEMAS[info.kind]
    if (!schema) throw badRequest(`${info.kind} has no secret schema`, { param: 'provider' })
    const parsed = dropUndefined(parse(schema, s))
    // Vertex: the project defaults to the service account's own project.
    const sa = parsed.serviceAccount as Record<string, unknown> | undefined
    if (info.kind === 'vertex' && !parsed.project && typeof sa?.project_id === 'string')
      parsed.project = sa.project_id
    return { secret: parsed }
  }
  if (secret !== undefined && secret !== null) out.secret = dropUndefined(parse(headersOnly, secret))
  if (info.secret === 'apiKey' && !out.apiKey) {
    throw badRequest(`${info.kind} needs an apiKey`, { param: 'apiKey', code: 'missing_secret' })
  }
  return out
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}

/** Canonical JSON (sorted keys, no whitespace) of the payload: the fingerprint's input. */
/** Whether the payload holds any key material (local kinds may run without a key). */
export function hasKeyMaterial(p: SecretPayload): boolean {
  return p.apiKey !== undefined || (p.secret !== undefined && Object.keys(p.secret).length > 0)
}

export function canonicalSecret(p: SecretPayload): string {
  return stableJson({ apiKey: p.apiKey ?? null, secret: p.secret ?? null })
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v ?? null)
}

/** Last four characters of the main key, only when the key is long enough for that to be harmless. */
export function last4(p: SecretPayload): string | null {
  const s = p.secret ?? {}
  const sa = s.serviceAccount as Record<string, unknown> | undefined
  const main = p.apiKey ?? s.apiKey ?? s.accessKeyId ?? sa?.private_key_id
  return typeof main === 'string' && main.length >= 16 ? main.slice(-4) : null
}
