import { describe, expect, it } from 'vitest'
import { coerceInputs, EXAMPLE_RECIPE, errorLine, inputFields, yamlErrors } from './recipe.js'

describe('yamlErrors', () => {
  it('reports syntax errors at their line', () => {
    const errs = yamlErrors('name: x\nsteps:\n  - id: a\n   model: bad-indent\n')
    expect(errs.length).toBeGreaterThan(0)
    expect(errs[0]!.line).toBe(4)
    expect(yamlErrors(EXAMPLE_RECIPE)).toEqual([])
  })
})

describe('errorLine', () => {
  it('reads line/column from the error body or its message', () => {
    expect(errorLine({ line: 7, column: 3 }, 'bad')).toEqual({ line: 7, column: 3, message: 'bad' })
    expect(errorLine({ details: { line: 2 } }, 'bad')).toMatchObject({ line: 2 })
    expect(errorLine({}, 'steps.0.model: required at line 12, column 5')).toMatchObject({
      line: 12,
      column: 5,
    })
    expect(errorLine({}, 'no position')).toBeNull()
  })
})

describe('inputFields / coerceInputs', () => {
  it('builds the run form from type strings and JSON schemas', () => {
    const fields = inputFields(`name: r
inputs:
  text: string
  count: integer?
  tone: { type: string, enum: [formal, casual], description: Voice }
  tags: { type: array }
steps: [{ id: a, review: true }]
`)
    expect(fields).toEqual([
      { name: 'text', type: 'string', optional: false },
      { name: 'count', type: 'integer', optional: true },
      { name: 'tone', type: 'string', optional: false, description: 'Voice', enum: ['formal', 'casual'] },
      { name: 'tags', type: 'array', optional: false },
    ])
    const ok = coerceInputs(fields, { text: 'hi', count: '3', tone: 'formal', tags: '["a"]' })
    expect(ok).toEqual({ inputs: { text: 'hi', count: 3, tone: 'formal', tags: ['a'] }, errors: {} })
    const bad = coerceInputs(fields, { count: '2.5', tags: '{}' })
    expect(bad.errors).toEqual({
      text: 'required',
      count: 'expected a whole number',
      tone: 'required',
      tags: 'expected a JSON array',
    })
  })

  it('gives no fields for YAML that does not parse', () => {
    expect(inputFields('inputs: [')).toEqual([])
  })
})
