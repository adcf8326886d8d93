/**
 * Save-time checks that need the whole recipe: unique step ids, every template reference
 * resolvable, secrets only where they cannot leak into a prompt, valid JSON Schemas, declared
 * tools, no dependency cycles, and (async) every model resolvable for the saving principal.
 * Produces the execution order: a stable topological sort of the reference graph, where a
 * review gate waits for every step declared before it and holds every step declared after it.
 * @module
 */
import { badRequest } from '../errors/app-error.js'
import { compileSchema, inputsSchema } from './json-schema.js'
import { type Recipe, reviewOf, type Step, stepKind } from './recipe-types.js'
import { refsIn, TemplateError, type TemplateRef } from './templates.js'

export interface CheckedRecipe {
  recipe: Recipe
  /** Step ids in execution order. */
  order: string[]
}

function fail(step: string | null, message: string): never {
  throw badRequest(step ? `step ${step}: ${message}` : message, {
    code: 'invalid_recipe',
    details: step ? { step } : undefined,
  })
}

function refs(step: string | null, value: unknown): TemplateRef[] {
  try {
    return refsIn(value)
  } catch (e) {
    if (e instanceof TemplateError) fail(step, e.message)
    throw e
  }
}

function schemaOk(step: string | null, what: string, schema: unknown): void {
  try {
    compileSchema(schema)
  } catch (e) {
    fail(step, `${what} is not a valid JSON Schema: ${(e as Error).message}`)
  }
}

export function checkRecipe(recipe: Recipe): CheckedRecipe {
  const ids = new Set<string>()
  for (const s of recipe.steps) {
    if (ids.has(s.id)) fail(s.id, 'duplicate step id')
    ids.add(s.id)
  }
  schemaOk(null, 'inputs', inputsSchema(recipe.inputs))

  for (const [name, tool] of Object.entries(recipe.tools)) {
    for (const r of refs(null, [tool.url, tool.headers ?? {}])) {
      if (r.root !== 'inputs' && r.root !== 'secrets') {
        fail(null, `tool ${name}: url and headers may reference only inputs and secrets, not "${r.raw}"`)
      }
      if (r.root === 'inputs' && !(r.path[0]! in recipe.inputs))
        fail(null, `tool ${name}: unknown input ${r.path[0]}`)
    }
    // The destination is fixed when the recipe is saved: a run's inputs may fill the path or
    // query, never pick the host that receives the tool's secrets and data.
    if (!toolOrigin(tool.url)) {
      fail(
        null,
        `tool ${name}: url must start with a literal http(s)://host (templates only in the path or query)`,
      )
    }
    if (refs(null, tool.url).some((r) => r.root === 'secrets')) {
      fail(null, `tool ${name}: secrets belong in headers, not the URL (URLs end up in logs)`)
    }
    if (tool.input) schemaOk(null, `tool ${name} input`, tool.input)
    if (tool.output) schemaOk(null, `tool ${name} output`, tool.output)
  }

  const deps = new Map<string, Set<string>>()
  for (const s of recipe.steps) deps.set(s.id, stepDeps(recipe, s, ids))
  // Review gates order the steps around them (see module comment).
  recipe.steps.forEach((s, i) => {
    if (!reviewOf(s)) return
    for (const [j, other] of recipe.steps.entries()) {
      if (j < i && stepKind(s) === 'review') deps.get(s.id)!.add(other.id)
      if (j > i) deps.get(other.id)!.add(s.id)
    }
  })

  for (const r of refs(null, recipe.output ?? null)) {
    if (r.root === 'secrets' || r.root === 'item') fail(null, `output may not reference ${r.root}`)
    if (r.root === 'inputs' && !(r.path[0]! in recipe.inputs))
      fail(null, `output: unknown input ${r.path[0]}`)
    if (r.root === 'steps' && !ids.has(r.path[0]!)) fail(null, `output: unknown step ${r.path[0]}`)
  }
  return { recipe, order: topoOrder(recipe, deps) }
}

function stepDeps(recipe: Recipe, s: Step, ids: Set<string>): Set<string> {
  const out = new Set<string>()
  if (s.output) schemaOk(s.id, 'output.schema', s.output.schema)
  if (s.tool !== undefined && !(s.tool in recipe.tools)) fail(s.id, `unknown tool ${s.tool}`)
  const templated = [s.system, s.prompt, s.when, s.with]
  if (s.foreach !== undefined) {
    const fr = refs(s.id, s.foreach)
    if (fr.length !== 1 || !/^\s*\{\{[^{}]*\}\}\s*$/.test(s.foreach)) {
      fail(s.id, 'foreach must be a single reference such as "{{ inputs.items }}"')
    }
    if (fr[0]!.root === 'item') fail(s.id, 'foreach cannot iterate over item')
    templated.push(s.foreach)
  }
  for (const r of refs(s.id, templated)) {
    if (r.root === 'secrets') fail(s.id, `"{{ ${r.raw} }}": secrets may appear only in tool headers`)
    if (r.root === 'item' && s.foreach === undefined)
      fail(s.id, '"{{ item }}" is only available in foreach steps')
    if (r.root === 'inputs' && !(r.path[0]! in recipe.inputs)) fail(s.id, `unknown input ${r.path[0]}`)
    if (r.root === 'steps') {
      const target = r.path[0]!
      if (target === s.id) fail(s.id, 'cycle: the step references its own output')
      if (!ids.has(target)) fail(s.id, `unknown step reference ${target}`)
      out.add(target)
    }
  }
  return out
}

/** Kahn's algorithm, taking ready steps in declaration order; a leftover means a cycle. */
function topoOrder(recipe: Recipe, deps: Map<string, Set<string>>): string[] {
  const order: string[] = []
  const done = new Set<string>()
  while (order.length < recipe.steps.length) {
    const next = recipe.steps.find((s) => !done.has(s.id) && [...deps.get(s.id)!].every((d) => done.has(d)))
    if (!next) {
      const stuck = recipe.steps.find((s) => !done.has(s.id))!
      fail(stuck.id, `cycle: ${describeCycle(stuck.id, deps, done)}`)
    }
    order.push(next.id)
    done.add(next.id)
  }
  return order
}

function describeCycle(start: string, deps: Map<string, Set<string>>, done: Set<string>): string {
  const path = [start]
  let cur = start
  for (let i = 0; i < deps.size + 1; i++) {
    const nxt = [...deps.get(cur)!].find((d) => !done.has(d))
    if (!nxt) break
    const seen = path.indexOf(nxt)
    path.push(nxt)
    if (seen >= 0) return path.slice(seen).join(' → ')
    cur = nxt
  }
  return path.join(' → ')
}

/** Model names a recipe uses, with the step naming them (for the save-time model check). */
export function modelsOf(
  recipe: Recipe,
  overrides: Record<string, string> = {},
): { step: string; model: string }[] {
  return recipe.steps
    .filter((s) => s.model !== undefined)
    .map((s) => ({ step: s.id, model: overrides[s.id] ?? s.model! }))
}

/**
 * Secrets a recipe's tools send, with the origin each goes to: the literal origin of the tool
 * URL (fixed at save time; inputs fill only the path or query), normalised like the URL
 * standard's origin so it compares with the origins sealed with the secret.
 */
export function secretsOf(recipe: Recipe): { tool: string; secret: string; origin: string }[] {
  const out: { tool: string; secret: string; origin: string }[] = []
  for (const [tool, t] of Object.entries(recipe.tools)) {
    const origin = toolOrigin(t.url)!
    const names = new Set(
      refsIn(t.headers ?? {})
        .filter((r) => r.root === 'secrets')
        .map((r) => r.path[0]!),
    )
    for (const secret of names) out.push({ tool, secret, origin })
  }
  return out
}

/** The literal http(s) origin a tool URL starts with, normalised; null when it has none. */
function toolOrigin(url: string): string | null {
  const literal = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0]
  if (!literal || literal.includes('{{') || !/^https?:\/\//i.test(literal)) return null
  try {
    return new URL(literal).origin
  } catch {
    return null
  }
}
