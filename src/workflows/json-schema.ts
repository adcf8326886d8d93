/**
 * JSON Schema checks for recipes: step output schemas, tool input/output schemas and inputs.
 * One ajv instance with formats; compiled validators are cached by schema text because the
 * same recipe runs many times (batches). Schemas are written by any member and the data comes
 * from run inputs, model replies and tool responses, so no regular expression here runs on the
 * backtracking engine: `pattern` and `patternProperties` compile to RE2 (linear-regexp.ts) and
 * regex-based formats are replaced by linear ones (linear-formats.ts).
 * @module
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { linearFormats } from './linear-formats.js'
import { ajvLinearRegExp, PatternBudgetError, withPatternBudget } from './linear-regexp.js'

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv

const ajv = new Ajv({
  allErrors: true,
  strict: false,
  validateFormats: true,
  code: { regExp: ajvLinearRegExp },
  // In strict mode ajv tests each patternProperties key against the schema's property names
  // with `new RegExp` at compile time; keep that off whatever `strict` becomes.
  allowMatchingProperties: true,
})
addFormats(ajv)
for (const [name, format] of Object.entries(linearFormats())) ajv.addFormat(name, format)

const cache = new Map<string, ValidateFunction>()
const MAX_CACHE = 2000

/** Compiles (or reuses) a validator; throws Error with ajv's message for an invalid schema. */
export function compileSchema(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema)
  const hit = cache.get(key)
  if (hit) return hit
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new Error('schema must be a JSON Schema object')
  }
  if (!ajv.validateSchema(schema)) {
    throw new Error(ajv.errorsText(ajv.errors, { dataVar: 'schema' }))
  }
  const fn = ajv.compile(schema)
  if (cache.size >= MAX_CACHE) cache.delete(cache.keys().next().value!)
  cache.set(key, fn)
  return fn
}

/** Validation failure text safe to store and show: paths and rules, never the data's values. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'does not match the schema'
  return errors
    .slice(0, 10)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    .join('; ')
}

/** Validates data; returns null when it conforms, else the error text. */
export function validateAgainst(schema: unknown, data: unknown): string | null {
  const fn = compileSchema(schema)
  try {
    return withPatternBudget(() => fn(data)) ? null : describeErrors(fn.errors)
  } catch (e) {
    if (e instanceof PatternBudgetError) return e.message
    throw e
  }
}

/** The JSON Schema of a recipe's `inputs` block (`text: string`, `n: integer?`, or full schemas). */
export function inputsSchema(inputs: Record<string, unknown>): Record<string, unknown> {
  const properties: Record<string, unknown> = {}
  const required: string[] = []
  for (const [name, spec] of Object.entries(inputs)) {
    if (typeof spec === 'string') {
      const optional = spec.endsWith('?')
      properties[name] = { type: optional ? spec.slice(0, -1) : spec }
      if (!optional) required.push(name)
    } else {
      properties[name] = spec
      required.push(name)
    }
  }
  return { type: 'object', properties, required, additionalProperties: false }
}
