/**
 * JSON Schema `format`s checked in linear time. ajv-formats' checks are regular expressions run
 * on V8's backtracking engine, and some backtrack badly on crafted values: `url` is quadratic
 * (a 110 kB value takes 2 s, 1 MB minutes), `uri-reference` is flagged cubic. Values come from
 * run inputs, model replies and tool responses, so every regex-based format here runs on RE2
 * (src/workflows/linear-regexp.ts) instead, with the same meaning:
 * - formats given as a plain regex are recompiled as they are;
 * - the three that use lookaround (`duration`, `hostname`, `url`) are rewritten without it —
 *   a length check, or the excluded address ranges spelled out as alternatives;
 * - `uri` (a function over a private regex) is rebuilt from `uri-reference`'s source.
 * Function formats that remain (dates, times, `byte`, `regex`, numbers) use short anchored
 * regexes that cannot backtrack. test/workflows/linear-formats.test.ts checks each rewrite
 * against ajv-formats' own answers.
 * @module
 */
import type { Format } from 'ajv'
import formatsModule from 'ajv-formats/dist/formats.js'
import { linearRegExp } from './linear-regexp.js'

// ajv-formats is CommonJS: under NodeNext its named exports arrive on the default export.
const { fullFormats } = ((formatsModule as unknown as { default?: unknown }).default ??
  formatsModule) as typeof import('ajv-formats/dist/formats.js')

type Check = (s: string) => boolean

/** Compiled on first use: every CLI command imports this module, few validate a format. */
function re2(source: string, flags = ''): Check {
  let re: ReturnType<typeof linearRegExp> | undefined
  return (s) => {
    re ??= linearRegExp(source, flags, false)
    return re.test(s)
  }
}

/** `duration` without `(?!$)` (not just "P") and `T(?=\d)` (a time part names at least one unit). */
function duration(): Check {
  const date = String.raw`(?:\d+Y)?(?:\d+M)?(?:\d+D)?`
  const time = String.raw`T(?:\d+H(?:\d+M)?(?:\d+S)?|\d+M(?:\d+S)?|\d+S)`
  const re = re2(String.raw`^P(?:${date}(?:${time})?|(?:\d+W)?)$`)
  return (s) => s !== 'P' && re(s)
}

/** `hostname` without `(?=.{1,253}\.?$)`: the length limit as a length check. */
function hostname(): Check {
  const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
  const re = re2(String.raw`^${label}(?:\.${label})*\.?$`, 'i')
  return (s) => s.length >= 1 && s.length <= (s.endsWith('.') ? 254 : 253) && re(s)
}

/**
 * `url` (dperini's regex) without its three negative lookaheads, which refuse 10/8, 127/8,
 * 169.254/16, 192.168/16 and 172.16/12 hosts: the dotted-quad branch lists the allowed first
 * (and, after 169, 172 and 192, second) octets instead.
 */
function url(): Check {
  const mid = String.raw`(?:1?\d{1,2}|2[0-4]\d|25[0-5])`
  const last = String.raw`(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4])`
  const tail2 = String.raw`(?:\.${mid})(?:\.${last})` // third and fourth octets
  // First octets 1–223 except 10, 127, 169, 172, 192 (those have their own lines).
  const first = String.raw`(?:[1-9]|1[1-9]|[2-9]\d|1[01]\d|12[0-689]|1[3-5]\d|16[0-8]|17[013-9]|18\d|19[013-9]|2[01]\d|22[0-3])`
  const ipv4 = [
    String.raw`${first}\.${mid}${tail2}`,
    String.raw`169\.(?:1?\d{1,2}|2[0-4]\d|25[0-35])${tail2}`, // not 169.254
    String.raw`192\.(?:\d{1,2}|1[0-57-9]\d|16[0-79]|2[0-4]\d|25[0-5])${tail2}`, // not 192.168
    String.raw`172\.(?:\d|0\d|1[0-5]|3[2-9]|[4-9]\d|1\d\d|2[0-4]\d|25[0-5])${tail2}`, // not 172.16–31
  ].join('|')
  const ch = String.raw`[a-z0-9\x{00a1}-\x{ffff}]`
  const domain = String.raw`(?:(?:${ch}+-)*${ch}+)(?:\.(?:${ch}+-)*${ch}+)*(?:\.(?:[a-z\x{00a1}-\x{ffff}]{2,}))`
  return re2(
    String.raw`^(?:https?|ftp):\/\/(?:\S+(?::\S*)?@)?(?:${ipv4}|${domain})(?::\d{2,5})?(?:\/[^\s]*)?$`,
    'i',
  )
}

/**
 * ajv-formats' `uri` regex is `uri-reference`'s with the scheme and hierarchical part required
 * and without `"` (which only uri-reference admits).
 */
export function uriSource(): string {
  return (fullFormats['uri-reference'] as RegExp).source
    .replaceAll('"', '')
    .replace(String.raw`^(?:[a-z][a-z0-9+\-.]*:)?`, String.raw`^(?:[a-z][a-z0-9+\-.]*:)`)
    .replace(String.raw`%[0-9a-f]{2})*)*)?(?:\?`, String.raw`%[0-9a-f]{2})*)*)(?:\?`)
}

function uri(): Check {
  const re = re2(uriSource(), 'i')
  // ajv-formats: a "uri" must contain "/" or ":" (NOT_URI_FRAGMENT), then match the regex.
  return (s) => (s.includes('/') || s.includes(':')) && re(s)
}

const REWRITTEN: Record<string, () => Check> = { duration, hostname, url, uri }

/** Every format of ajv-formats' full set, regex-based ones on the linear engine. */
export function linearFormats(): Record<string, Format> {
  const out: Record<string, Format> = {}
  for (const [name, f] of Object.entries(fullFormats)) {
    const rewrite = REWRITTEN[name]
    if (rewrite) out[name] = rewrite()
    else if (f instanceof RegExp) out[name] = re2(f.source, f.flags.replace('u', ''))
    else out[name] = f as Format
  }
  return out
}
