/**
 * One fuzz case = an operation's valid example with one thing changed: a body field, a query
 * or path parameter, the caller, the content type, or the body as a whole. `caseArb` draws
 * cases from the operation's schemas; `toRequest` turns one into the request to send.
 */
import fc from 'fast-check'
import type { JsonSchema, Op } from '../security/furnished-org.js'
import { hostileArb, ODD_STRINGS, oddString, validArb } from './schema-arbitraries.js'

export type Caller = 'owner' | 'none' | 'auditor' | 'member' | 'other-org' | 'garbage'

export type FuzzCase =
  | { kind: 'example' }
  | { kind: 'field'; where: 'body' | 'query' | 'path'; field: string; value: unknown; raw?: boolean }
  | { kind: 'drop'; field: string }
  | { kind: 'caller'; caller: Caller; garbage?: string }
  | { kind: 'content'; contentType: string | null; text: string }
  | { kind: 'body'; value: unknown }

/** What a case is built from: the operation's example and the pools of real names and ids. */
export interface Baseline {
  url: string
  query: Record<string, string>
  body: unknown
  /** Ids of real objects in both orgs (path and body id fields draw from them). */
  ids: readonly string[]
  /** Names already taken (name fields draw from them: duplicate-name conflicts). */
  names: readonly string[]
}

export interface FuzzRequest {
  method: string
  url: string
  caller: Caller
  garbage?: string
  headers: Record<string, string>
  payload?: string
}

function bodySchema(op: Op): JsonSchema | undefined {
  return op.op.requestBody?.content?.['application/json']?.schema
}

const ID_LIKE = /(^id$|Id$|^alias$)/
const NAME_LIKE = /^(name|alias|model|email)$/

/** Arbitrary for one field: valid, valid with odd leaves, hostile, or drawn from the pools. */
function fieldValue(name: string, s: JsonSchema, base: Baseline): fc.Arbitrary<unknown> {
  const arms: fc.WeightedArbitrary<unknown>[] = [
    { weight: 2, arbitrary: validArb(s) },
    { weight: 2, arbitrary: validArb(s, true) },
    { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
    { weight: 3, arbitrary: hostileArb(s) },
  ]
  if (ID_LIKE.test(name)) arms.push({ weight: 2, arbitrary: fc.constantFrom(...base.ids) })
  if (NAME_LIKE.test(name)) arms.push({ weight: 2, arbitrary: fc.constantFrom(...base.names) })
  return fc.oneof(...arms)
}

/** A path or query value is text: the same arbitraries, stringified. */
function paramValue(name: string, s: JsonSchema, base: Baseline): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fieldValue(name, s, base).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
    },
    // A repeated query parameter arrives as an array.
    { weight: 1, arbitrary: fc.array(oddString, { minLength: 2, maxLength: 3 }) },
  )
}

const CONTENT: readonly [string | null, string][] = [
  ['text/plain', '{"name":"x"}'],
  ['application/x-www-form-urlencoded', 'name=x&role=owner'],
  [
    'multipart/form-data; boundary=zz',
    '--zz\r\ncontent-disposition: form-data; name="name"\r\n\r\nx\r\n--zz--',
  ],
  ['application/json; charset=utf-16', '{"name":"x"}'],
  ['application/json', '{'],
  ['application/json', ''],
  ['application/json', 'null'],
  ['application/json', '[]'],
  ['application/json', '"x"'],
  ['application/json', '\uFEFF{}'],
  ['application/json', '{"a":1,"a":2}'],
  ['application/json', `{"x":"${'\\u0000'.repeat(1000)}"}`],
  ['application/json', `${' '.repeat(100_000)}{}`],
  ['application/json', '{"__proto__":{"isAdmin":true}}'],
  ['application/json', '{"constructor":{"prototype":{"x":1}}}'],
  [null, '{"name":"x"}'],
  ['application/xml', '<a/>'],
  ['*/*', '{}'],
]

/** Every case the fuzzer may draw for `op`. */
export function caseArb(op: Op, base: Baseline): fc.Arbitrary<FuzzCase> {
  const arms: fc.Arbitrary<FuzzCase>[] = [fc.constant({ kind: 'example' } as const)]
  const body = bodySchema(op)
  for (const [name, s] of Object.entries(body?.properties ?? {})) {
    arms.push(
      fieldValue(name, s, base).map(
        (value) => ({ kind: 'field', where: 'body', field: name, value }) as const,
      ),
    )
  }
  for (const name of body?.required ?? []) arms.push(fc.constant({ kind: 'drop', field: name } as const))
  if (body) arms.push(hostileArb(body).map((value) => ({ kind: 'body', value }) as const))
  for (const p of op.op.parameters ?? []) {
    if (p.in !== 'path' && p.in !== 'query') continue
    const where = p.in
    arms.push(
      paramValue(p.name, p.schema ?? {}, base).map(
        (value) => ({ kind: 'field', where, field: p.name, value }) as const,
      ),
    )
    if (where === 'path') {
      // Unencoded: traversal and odd separators reach the router as they are.
      arms.push(
        fc
          .constantFrom('..', '../..', '.', '%2e%2e', '..%2f..%2f', 'a/b', '%00', '%ZZ', '%C0%AE', ';', '*')
          .map((value) => ({ kind: 'field', where, field: p.name, value, raw: true }) as const),
      )
    }
  }
  arms.push(
    fc
      .constantFrom<Caller>('none', 'auditor', 'member', 'other-org', 'garbage')
      .chain(
        (caller): fc.Arbitrary<FuzzCase> =>
          caller === 'garbage'
            ? fc
                .string({ unit: 'binary-ascii', maxLength: 80 })
                .map((g) => ({ kind: 'caller', caller, garbage: g }) as const)
            : fc.constant({ kind: 'caller', caller } as const),
      ),
  )
  arms.push(
    fc
      .constantFrom(...CONTENT)
      .map(([contentType, text]) => ({ kind: 'content', contentType, text }) as const),
  )
  return fc.oneof(...arms)
}

/** Percent-encodes UTF-8 bytes (a lone surrogate goes as U+FFFD, as a browser would send it). */
function encode(v: string): string {
  return [...Buffer.from(v, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('')
}

/** Header values may hold visible ASCII, space and tab only. */
function headerSafe(v: string): string {
  return v.replace(/[^\t\x20-\x7e]/g, '')
}

export function toRequest(op: Op, base: Baseline, c: FuzzCase): FuzzRequest {
  let url = base.url
  const query: Record<string, unknown> = { ...base.query }
  let body: unknown = base.body === undefined ? undefined : structuredClone(base.body)
  let caller: Caller = 'owner'
  let garbage: string | undefined
  let contentType: string | null = 'application/json'
  let text: string | undefined
  switch (c.kind) {
    case 'field':
      if (c.where === 'body') body = { ...(body as object), [c.field]: c.value }
      else if (c.where === 'query') query[c.field] = c.value
      else {
        const segs = op.path.split('/')
        const urlSegs = url.split('/')
        const i = segs.indexOf(`{${c.field}}`)
        urlSegs[i] = c.raw ? String(c.value) : encode(String(c.value))
        url = urlSegs.join('/')
      }
      break
    case 'drop': {
      const { [c.field]: _gone, ...rest } = (body ?? {}) as Record<string, unknown>
      body = rest
      break
    }
    case 'body':
      body = c.value
      break
    case 'caller':
      caller = c.caller
      garbage = c.garbage
      break
    case 'content':
      contentType = c.contentType
      text = c.text
      break
  }
  const qs = Object.entries(query)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encode(k)}=${encode(String(x))}`))
    .join('&')
  const headers: Record<string, string> = {}
  if (garbage !== undefined) headers.authorization = `Bearer ${headerSafe(garbage)}`
  if (text === undefined && body !== undefined) text = JSON.stringify(body)
  if (text !== undefined && contentType) headers['content-type'] = contentType
  return {
    method: op.method,
    url: qs ? `${url}?${qs}` : url,
    caller,
    ...(garbage === undefined ? {} : { garbage }),
    headers,
    ...(text === undefined ? {} : { payload: text }),
  }
}
