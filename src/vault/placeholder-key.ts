/**
 * Obvious placeholders pasted where a key belongs (`YOUR_API_KEY`, `sk-...`, `<your-key>`,
 * `sk-xxxx`, an unexpanded `$OPENAI_API_KEY`). Stored, they fail every call upstream with a
 * 401 that reads like a provider problem; refused at entry, the caller learns the cause at once.
 * Only shapes no real key has are matched: real keys are random and never contain an ellipsis,
 * angle brackets or a run of nothing but x's.
 * @module
 */

/** Vendor prefixes stripped before looking at what remains (`sk-proj-xxxx` → `xxxx`). */
const PREFIX = /^(?:(?:sk|pk|rk|gsk|xai|key|api|ant|proj|live|test)[-_])+/i

const SHAPES: { re: RegExp; why: string }[] = [
  { re: /\.\.\.|\u2026/, why: 'it contains an ellipsis (a shortened or example key)' },
  { re: /<[^<>]*>|\[[^[\]]*\]|\{\{[^{}]*\}\}/, why: 'it is a word in brackets or braces' },
  {
    re: /your[-_ ]?(?:[a-z]+[-_ ]?){0,2}(?:key|token|secret)|(?:key|token)[-_ ]?here/i,
    why: 'it reads "your key"',
  },
  { re: /(?:replace|insert|enter|paste|put)[-_ ]?(?:me|here|your|key|it)/i, why: 'it reads "replace me"' },
  { re: /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/, why: 'it is an unexpanded shell variable' },
  {
    re: /^(?:changeme|change[-_]me|placeholder|todo|tbd|fixme|api[-_]?key|secret|token|redacted)$/i,
    why: 'it is a placeholder word',
  },
]

/**
 * Why a key is an obvious placeholder, or null. The reason never quotes the value: keys never
 * appear in messages, even fake-looking ones.
 */
export function placeholderReason(key: string): string | null {
  for (const { re, why } of SHAPES) if (re.test(key)) return why
  const rest = key.replace(PREFIX, '')
  if (rest.length >= 3 && /^[xX*#0]+$/.test(rest) && /[xX*#]/.test(rest))
    return "it is a run of x's or asterisks"
  return null
}
