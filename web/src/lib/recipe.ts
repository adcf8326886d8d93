/**
 * Client-side help for recipes: YAML syntax errors with their line (shown while typing), the
 * line/column of a server validation error, and the run form's fields from the recipe's
 * `inputs` (type strings like `string` / `number?`, or a JSON schema). Pure, unit-tested.
 * @module
 */
import { parseDocument } from 'yaml'

export interface LineError {
  line: number
  column?: number
  message: string
}

/** YAML syntax errors (1-based lines); empty when the text parses. */
export function yamlErrors(text: string): LineError[] {
  const doc = parseDocument(text, { prettyErrors: true })
  return doc.errors.map((e) => ({
    line: e.linePos?.[0]?.line ?? 1,
    column: e.linePos?.[0]?.col,
    message: e.message.split('\n')[0] ?? e.message,
  }))
}

/** Line/column of a server error: fields on the error body, or "line N" in the message. */
export function errorLine(details: unknown, message: string): LineError | null {
  const d = (details ?? {}) as Record<string, unknown>
  const holder = [d, d.details, d.position, d.location].find(
    (x): x is Record<string, unknown> =>
      typeof x === 'object' && x !== null && typeof (x as { line?: unknown }).line === 'number',
  )
  if (holder) {
    return {
      line: holder.line as number,
      column: typeof holder.column === 'number' ? holder.column : undefined,
      message,
    }
  }
  const m = /line (\d+)(?:,? col(?:umn)? (\d+))?/i.exec(message)
  if (m) return { line: Number(m[1]), column: m[2] ? Number(m[2]) : undefined, message }
  return null
}

export type InputType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array'

export interface InputField {
  name: string
  type: InputType
  optional: boolean
  description?: string
  enum?: string[]
  default?: unknown
}

function fromSpec(name: string, spec: unknown): InputField {
  if (typeof spec === 'string') {
    const optional = spec.endsWith('?')
    const t = spec.replace(/\?$/, '') as InputType
    return { name, type: t, optional }
  }
  const s = (spec ?? {}) as Record<string, unknown>
  const t = (Array.isArray(s.type) ? s.type[0] : s.type) as InputType | undefined
  const f: InputField = {
    name,
    type: t ?? (Array.isArray(s.enum) ? 'string' : 'object'),
    optional: s.optional === true || s.default !== undefined,
  }
  if (typeof s.description === 'string') f.description = s.description
  if (Array.isArray(s.enum)) f.enum = s.enum.map(String)
  if (s.default !== undefined) f.default = s.default
  return f
}

/** The inputs a recipe declares (empty when the YAML does not parse). */
export function inputFields(yamlText: string): InputField[] {
  const doc = parseDocument(yamlText)
  if (doc.errors.length) return []
  const js = doc.toJS() as { inputs?: Record<string, unknown> } | null
  return Object.entries(js?.inputs ?? {}).map(([k, v]) => fromSpec(k, v))
}

/** Form text → typed inputs; returns per-field errors instead of throwing. */
export function coerceInputs(
  fields: InputField[],
  values: Record<string, string>,
): { inputs: Record<string, unknown>; errors: Record<string, string> } {
  const inputs: Record<string, unknown> = {}
  const errors: Record<string, string> = {}
  for (const f of fields) {
    const raw = values[f.name] ?? ''
    if (raw.trim() === '') {
      if (f.type === 'boolean') inputs[f.name] = false
      else if (!f.optional) errors[f.name] = 'required'
      continue
    }
    switch (f.type) {
      case 'number':
      case 'integer': {
        const n = Number(raw)
        if (!Number.isFinite(n) || (f.type === 'integer' && !Number.isInteger(n)))
          errors[f.name] = `expected ${f.type === 'integer' ? 'a whole number' : 'a number'}`
        else inputs[f.name] = n
        break
      }
      case 'boolean':
        inputs[f.name] = raw === 'true'
        break
      case 'object':
      case 'array':
        try {
          const v = JSON.parse(raw)
          if (
            f.type === 'array' ? !Array.isArray(v) : typeof v !== 'object' || v === null || Array.isArray(v)
          ) {
            errors[f.name] = `expected a JSON ${f.type}`
          } else inputs[f.name] = v
        } catch {
          errors[f.name] = `not valid JSON`
        }
        break
      default:
        inputs[f.name] = raw
    }
  }
  return { inputs, errors }
}

export const EXAMPLE_RECIPE = `name: summarize-and-review
description: Summarize a text, then a person approves it
inputs:
  text: string
  audience: string?
steps:
  - id: summary
    model: openai-prod/gpt-4.1-mini
    prompt: |
      Summarize for {{ inputs.audience }}:
      {{ inputs.text }}
    review: true
output: "{{ steps.summary.output }}"
`
