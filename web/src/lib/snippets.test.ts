import { describe, expect, it } from 'vitest'
import { snippets, tokenExport } from './snippets.js'

describe('connect snippets', () => {
  const all = snippets('https://lk.example.com/', 'openai-prod/gpt-4.1-mini')
  const code = (id: string) => all.find((s) => s.id === id)!.code

  it('OpenAI-wire clients get <origin>/v1, Anthropic-wire clients the origin', () => {
    for (const id of ['curl', 'openai-python', 'openai-ts', 'vercel-ai', 'langchain', 'codex'])
      expect(code(id)).toContain('https://lk.example.com/v1')
    expect(code('anthropic')).toContain("baseURL: 'https://lk.example.com'")
    expect(code('claude-code')).toContain('ANTHROPIC_BASE_URL=https://lk.example.com\n')
    expect(code('codex')).toContain('wire_api = "responses"')
  })

  it('every snippet names the model and reads the token from the environment, never inline', () => {
    expect(all).toHaveLength(8)
    for (const s of all) {
      expect(s.code).toContain('openai-prod/gpt-4.1-mini')
      expect(s.code).toContain('LATCHKEY_TOKEN')
      expect(s.code).not.toMatch(/lk_[A-Za-z0-9]/)
    }
    expect(tokenExport('lk_abc')).toBe('export LATCHKEY_TOKEN=lk_abc')
  })

  it('a model id with a quote cannot break out of the curl body', () => {
    const c = snippets('http://x', "a/b'c").find((s) => s.id === 'curl')!.code
    expect(c).toContain(`"model":"a/b'\\''c"`)
  })
})
