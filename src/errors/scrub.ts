/**
 * Error scrubber: removes secrets from text before it is logged or returned, because
 * upstreams sometimes echo the key they were given ("Incorrect API key provided: sk-…").
 * Known secrets (the credential's own material) are removed verbatim and in their common
 * encodings; anything shaped like a provider key or a Latchkey token is removed by pattern.
 * @module
 */

export const REDACTED = '[redacted]'

/** Shapes of well-known secrets. Order matters: longer, more specific prefixes first. */
const PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\bsk-ant-[A-Za-z0-9_-]{8,}/g,
  /\bsk-[A-Za-z0-9_-]{12,}/g,
  /\bAIza[0-9A-Za-z_-]{20,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{12,}/g,
  /\blk_[A-Za-z0-9_-]{16,}/g,
  /\b(?:gsk|xai|pplx|hf|ghp|gho|github_pat|glpat|r8)_[A-Za-z0-9_-]{12,}/g,
  /\bya29\.[A-Za-z0-9._-]{12,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}/gi,
  // A masked key echoed back ("Your api key: ****wxyz", "sk-abc***xyz"): its visible ends are
  // still part of the secret.
  /[A-Za-z0-9_-]*\*{3,}[A-Za-z0-9_-]*/g,
]

/** Secrets shorter than this are not scrubbed verbatim (too many false hits on ordinary text). */
const MIN_KNOWN = 8

/** `encodeURIComponent`, which throws on a lone surrogate; such a secret has no URL form to scrub. */
function urlEncoded(secret: string): string | null {
  try {
    return encodeURIComponent(secret)
  } catch {
    return null
  }
}

function variants(secret: string): string[] {
  const out = new Set([secret])
  out.add(JSON.stringify(secret).slice(1, -1))
  const url = urlEncoded(secret)
  if (url !== null) out.add(url)
  out.add(Buffer.from(secret).toString('base64'))
  return [...out].filter((v) => v.length >= MIN_KNOWN)
}

/**
 * Returns `text` with every known secret and every key-shaped string replaced by
 * `[redacted]`. Safe on any input, stored values included (a secret holding a lone surrogate,
 * a non-string where a string was expected): it never throws, since it runs inside error
 * paths where a throw would replace the real error with a 500.
 */
export function scrubSecrets(text: string, known: readonly string[] = []): string {
  try {
    return scrub(typeof text === 'string' ? text : String(text), known)
  } catch {
    // Fail closed: nothing of a text that could not be scrubbed goes out.
    return REDACTED
  }
}

function scrub(text: string, known: readonly string[]): string {
  let out = text
  const exact = (Array.isArray(known) ? known : [])
    .filter((k) => typeof k === 'string' && k.length >= MIN_KNOWN)
    .flatMap(variants)
    .sort((a, b) => b.length - a.length)
  for (const s of exact) out = out.split(s).join(REDACTED)
  for (const re of PATTERNS) {
    out = out.replace(re, (_m, p1: unknown) =>
      typeof p1 === 'string' && /^(bearer|basic)$/i.test(p1) ? `${p1} ${REDACTED}` : REDACTED,
    )
  }
  return out
}

/** Every string in a secret payload worth scrubbing (API keys, secret fields, header values). */
export function secretStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.length >= MIN_KNOWN) out.push(value)
    // PEM keys are also echoed line by line; scrub the base64 body lines too.
    if (value.includes('PRIVATE KEY')) for (const l of value.split('\n')) if (l.length >= 40) out.push(l)
  } else if (Array.isArray(value)) {
    for (const v of value) secretStrings(v, out)
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) secretStrings(v, out)
  }
  return out
}
