/**
 * YAML text → structurally valid Recipe. Errors are 400s that say where: YAML syntax errors
 * carry the line and column from the `yaml` parser; schema errors carry the field path and,
 * when the node can be found, its line and column too.
 * @module
 */
import { isNode, LineCounter, parseDocument } from 'yaml'
import { badRequest } from '../errors/app-error.js'
import { type Recipe, RecipeSchema } from './recipe-types.js'

const MAX_YAML_BYTES = 256 * 1024

export function parseRecipe(text: string): Recipe {
  if (Buffer.byteLength(text) > MAX_YAML_BYTES) {
    throw badRequest(`recipe is larger than ${MAX_YAML_BYTES / 1024} KiB`, {
      code: 'invalid_recipe',
      param: 'yaml',
    })
  }
  const lines = new LineCounter()
  // maxAliasCount bounds "billion laughs" alias expansion; uniqueKeys rejects duplicate keys.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true })
  const err = doc.errors[0]
  if (err) {
    const pos = err.linePos?.[0]
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : ''
    throw badRequest(
      `invalid YAML${where}: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      {
        code: 'invalid_yaml',
        param: 'yaml',
        details: pos ? { line: pos.line, column: pos.col } : undefined,
      },
    )
  }
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: 50 })
  } catch (e) {
    throw badRequest(`invalid YAML: ${(e as Error).message}`, { code: 'invalid_yaml', param: 'yaml' })
  }
  const parsed = RecipeSchema.safeParse(data)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const path = issue.path.map(String)
  const stepIndex = path[0] === 'steps' && path[1] !== undefined ? Number(path[1]) : undefined
  const stepId = stepIndex !== undefined ? stepIdAt(data, stepIndex) : undefined
  const node = doc.getIn(issue.path as (string | number)[], true)
  const offset = isNode(node) && node.range ? node.range[0] : undefined
  const pos = offset !== undefined ? lines.linePos(offset) : undefined
  const field = path.join('.') || '(recipe)'
  const prefix = stepId && !issue.message.startsWith('step ') ? `step ${stepId}: ` : ''
  throw badRequest(
    `${prefix}${field}: ${issue.message}${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}`,
    {
      code: 'invalid_recipe',
      param: field,
      details: { ...(stepId ? { step: stepId } : {}), ...(pos ? { line: pos.line, column: pos.col } : {}) },
    },
  )
}

function stepIdAt(data: unknown, index: number): string | undefined {
  const steps = (data as { steps?: unknown })?.steps
  if (!Array.isArray(steps)) return undefined
  const id = (steps[index] as { id?: unknown } | undefined)?.id
  return typeof id === 'string' ? id : undefined
}
