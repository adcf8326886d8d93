import { describe, expect, it } from 'vitest'
import type { ChatCompletionChunk } from '../translate/openai-chat.js'
import { minimaxQuirks } from './minimax-quirks.js'
import { splitThink, ThinkSplitter } from './minimax-think-splitter.js'

describe('MiniMax <think> splitting', () => {
  it('splits a whole answer', () => {
    expect(splitThink('<think>plan it</think>\n\nThe answer.')).toEqual({
      content: 'The answer.',
      reasoning: 'plan it',
    })
    expect(splitThink('No tags here')).toEqual({ content: 'No tags here', reasoning: '' })
  })
  it('splits a stream whose tags are cut at every possible point', () => {
    const text = '<think>step one, step two</think>\nFinal <b>answer</b>.'
    for (let size = 1; size <= 9; size++) {
      const s = new ThinkSplitter()
      let content = ''
      let reasoning = ''
      for (let i = 0; i < text.length; i += size) {
        const r = s.push(text.slice(i, i + size))
        content += r.content
        reasoning += r.reasoning
      }
      const tail = s.flush()
      expect({ size, content: content + tail.content, reasoning: reasoning + tail.reasoning }).toEqual({
        size,
        content: 'Final <b>answer</b>.',
        reasoning: 'step one, step two',
      })
    }
  })
  it('stream normaliser moves reasoning to reasoning_content per chunk', () => {
    const norm = minimaxQuirks.createStreamNormalizer!()
    const chunk = (content: string, finish: 'stop' | null = null): ChatCompletionChunk => ({
      id: 'x',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { content }, finish_reason: finish }],
    })
    const out = [chunk('<thi'), chunk('nk>why</th'), chunk('ink>\nHi'), chunk('!', 'stop')].map(
      (c) => norm(c).choices[0]!.delta,
    )
    expect(out).toEqual([{}, { reasoning_content: 'why' }, { content: 'Hi' }, { content: '!' }])
  })
  it('renames max_tokens to max_completion_tokens', () => {
    const ctx = { warnings: [] } as never
    expect(minimaxQuirks.prepareRequest!({ model: 'm', messages: [], max_tokens: 5 }, ctx)).toEqual({
      model: 'm',
      messages: [],
      max_completion_tokens: 5,
    })
  })
})
