import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors/app-error.js'
import { checkRecipe } from '../../src/workflows/check-recipe.js'
import { parseRecipe } from '../../src/workflows/parse-recipe.js'
import { renderString, renderText } from '../../src/workflows/templates.js'

function error(fn: () => unknown): AppError {
  try {
    fn()
  } catch (e) {
    if (e instanceof AppError) return e
    throw e
  }
  throw new Error('expected an error')
}

const check = (yaml: string) => checkRecipe(parseRecipe(yaml))

const BASE = `
name: t
inputs: { text: string }
steps:
  - id: a
    model: cheap/m
    prompt: "Summarize {{ inputs.text }}"
`

describe('recipe parsing and save-time checks', () => {
  it('accepts the issue example and orders steps', () => {
    const c = check(`
name: summarize-and-score
version: 1
inputs: { text: string }
steps:
  - id: summary
    model: cheap/gpt-4o-mini
    prompt: "Summarize: {{ inputs.text }}"
  - id: score
    model: smart/claude-sonnet-4-5
    system: "You are a strict grader."
    prompt: "Score this summary as JSON: {{ steps.summary.output }}"
    output: { schema: { type: object, required: [summary, score], properties: { summary: { type: string }, score: { type: number } } } }
  - id: approve
    review: { role: member, message: "Check the score before it is sent" }
  - id: notify
    tool: post-result
    with: { body: "{{ steps.score.output }}" }
tools:
  post-result: { method: POST, url: "https://hooks.example.com/x", input: { type: object }, headers: { authorization: "{{ secrets.hook-token }}" } }
output: "{{ steps.score.output }}"
`)
    expect(c.order).toEqual(['summary', 'score', 'approve', 'notify'])
  })

  it('invalid YAML → 400 with line and column', () => {
    const e = error(() => parseRecipe('name: x\nsteps:\n  - id: a\n    prompt: "unterminated\n'))
    expect(e.status).toBe(400)
    expect(e.message).toMatch(/line \d+, column \d+/)
    expect(e.details).toMatchObject({ line: expect.any(Number), column: expect.any(Number) })
  })

  it('schema errors name the step, field and position', () => {
    const e = error(() => parseRecipe(`${BASE}    params: { temperature: 9 }\n`))
    expect(e.message).toMatch(/^step a: steps\.0\.params\.temperature/)
    expect(e.details).toMatchObject({ step: 'a', line: 8 })
  })

  it('unknown step reference → 400 naming the step', () => {
    const e = error(() =>
      check(`${BASE}  - id: b\n    model: cheap/m\n    prompt: "{{ steps.nope.output }}"\n`),
    )
    expect(e.message).toBe('step b: unknown step reference nope')
  })

  it('cycles → 400 naming the steps', () => {
    const e = error(() =>
      check(
        `name: t\nsteps:\n  - id: a\n    model: c/m\n    prompt: "{{ steps.b.output }}"\n  - id: b\n    model: c/m\n    prompt: "{{ steps.a.output }}"\n`,
      ),
    )
    expect(e.message).toMatch(/^step a: cycle: a → b → a/)
    expect(
      error(() => check(`name: t\nsteps:\n  - id: a\n    model: c/m\n    prompt: "{{ steps.a.output }}"\n`))
        .message,
    ).toMatch(/step a: cycle/)
  })

  it('forward references run in dependency order', () => {
    const c = check(
      `name: t\nsteps:\n  - id: b\n    model: c/m\n    prompt: "{{ steps.a.output }}"\n  - id: a\n    model: c/m\n    prompt: "x"\n`,
    )
    expect(c.order).toEqual(['a', 'b'])
  })

  it('invalid JSON Schema → 400 naming the step', () => {
    const e = error(() => check(`${BASE}    output: { schema: { type: objekt } }\n`))
    expect(e.message).toMatch(/^step a: output.schema is not a valid JSON Schema/)
  })

  it('secrets only in tool headers; item only in foreach; inputs must be declared', () => {
    expect(
      error(() => check(`${BASE}  - id: b\n    model: c/m\n    prompt: "{{ secrets.key }}"\n`)).message,
    ).toMatch(/step b: .*secrets may appear only in tool headers/)
    expect(
      error(() => check(`${BASE}  - id: b\n    model: c/m\n    prompt: "{{ item }}"\n`)).message,
    ).toMatch(/step b: .*only available in foreach/)
    expect(
      error(() => check(`${BASE}  - id: b\n    model: c/m\n    prompt: "{{ inputs.other }}"\n`)).message,
    ).toBe('step b: unknown input other')
    expect(
      error(() => check(`${BASE}  - id: b\n    model: c/m\n    prompt: "{{ inputs.text | upper }}"\n`))
        .message,
    ).toMatch(/not a reference/)
    expect(
      error(() =>
        check(`${BASE}  - id: b\n    tool: t1\ntools:\n  t1: { url: "https://x/{{ secrets.k }}" }\n`),
      ).message,
    ).toMatch(/secrets belong in headers/)
  })

  it('tool destinations are fixed at save time', () => {
    const tool = (url: string) => `${BASE}  - id: b\n    tool: t1\ntools:\n  t1: { url: "${url}" }\n`
    expect(check(tool('https://hooks.example.com/{{ inputs.text }}?q={{ inputs.text }}')).order).toEqual([
      'a',
      'b',
    ])
    for (const url of [
      '{{ inputs.text }}/x',
      'https://{{ inputs.text }}.example.com/',
      'ftp://x.example/',
      'hooks.example.com/x',
    ]) {
      expect(error(() => check(tool(url))).message).toMatch(
        /tool t1: url must start with a literal http\(s\):\/\/host/,
      )
    }
  })

  it('values are never re-rendered: template text inside inputs stays literal', () => {
    const scope = {
      inputs: { text: '{{ secrets.k }} {{ steps.x.output }}' },
      steps: {},
      secrets: { k: 'SECRET' },
    }
    expect(renderText('Summarize: {{ inputs.text }}', scope)).toBe(
      'Summarize: {{ secrets.k }} {{ steps.x.output }}',
    )
  })

  it('unknown tool and duplicate ids are rejected', () => {
    expect(error(() => check(`${BASE}  - id: b\n    tool: nope\n`)).message).toBe('step b: unknown tool nope')
    expect(error(() => check(`${BASE}  - id: a\n    model: c/m\n    prompt: x\n`)).message).toBe(
      'step a: duplicate step id',
    )
  })

  it('templates keep types for lone placeholders and never evaluate code', () => {
    const scope = { inputs: { n: 3, o: { a: [1] } }, steps: { s: { output: { score: 7 } } } }
    expect(renderString('{{ inputs.o }}', scope)).toEqual({ a: [1] })
    expect(renderString('{{steps.s.output.score}}', scope)).toBe(7)
    expect(renderText('n={{ inputs.n }} o={{ inputs.o }}', scope)).toBe('n=3 o={"a":[1]}')
    expect(renderText('{{ inputs.missing }}', scope)).toBe('')
  })
})

describe('examples/', () => {
  it.each(['summarize-and-classify', 'invoice-extraction', 'gated-customer-reply'])(
    '%s.yaml passes the save-time checks',
    async (name) => {
      const fs = await import('node:fs')
      const c = check(fs.readFileSync(new URL(`../../examples/${name}.yaml`, import.meta.url), 'utf8'))
      expect(c.order.length).toBeGreaterThan(1)
      if (name === 'gated-customer-reply') expect(c.order.slice(-2)).toEqual(['approve', 'post'])
    },
  )
})
