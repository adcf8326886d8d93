import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { applyModelChoices, parseMaps } from '../../src/workflows/cli/map-models.js'
import { parseRecipe } from '../../src/workflows/parse-recipe.js'

const EXAMPLE = fs.readFileSync(
  path.resolve(import.meta.dirname, '../../examples/summarize-and-classify.yaml'),
  'utf8',
)
const models = (yaml: string) => parseRecipe(yaml).steps.map((s) => s.model)

describe('--map / --set applied to the recipe text before it is saved', () => {
  it('maps credential names, keeping comments and everything else', () => {
    const out = applyModelChoices(EXAMPLE, parseMaps(['openai=my-openai', 'anthropic=local']), {})
    expect(models(out)).toEqual(['my-openai/gpt-4o-mini', 'local/claude-sonnet-4-5'])
    expect(out).toContain('# Document summary + classification.')
    // Byte for byte the same apart from the two model values.
    expect(out).toBe(
      EXAMPLE.replace('model: openai/gpt', 'model: my-openai/gpt').replace(
        'model: anthropic/claude',
        'model: local/claude',
      ),
    )
  })

  it('--set replaces one step whole and wins over --map for it; odd values are quoted', () => {
    const out = applyModelChoices(EXAMPLE, parseMaps(['openai=my-openai']), { classify: 'ollama/llama3.1' })
    expect(models(out)).toEqual(['my-openai/gpt-4o-mini', 'ollama/llama3.1'])
    const odd = applyModelChoices(EXAMPLE, {}, { summary: 'lm/qwen #2: big' })
    expect(models(odd)[0]).toBe('lm/qwen #2: big')
  })

  it('nothing to apply: the text is returned unchanged (same hash, workflow reused)', () => {
    expect(applyModelChoices(EXAMPLE, {}, {})).toBe(EXAMPLE)
  })

  it('refuses maps and sets that match nothing, and malformed maps', () => {
    expect(() => applyModelChoices(EXAMPLE, { mistral: 'x' }, {})).toThrow(
      'no step of the recipe uses credential mistral',
    )
    expect(() => applyModelChoices(EXAMPLE, {}, { nope: 'a/b' })).toThrow('the recipe has no model step nope')
    expect(() => parseMaps(['openai'])).toThrow('expected <recipe credential>=<your credential>')
    expect(() => parseMaps(['openai=a/b'])).toThrow('expected')
  })
})
