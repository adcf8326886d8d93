import { describe, expect, it } from 'vitest'
import { SseParser } from '../api/sse.js'
import {
  applyDelta,
  type ChatMessage,
  newConversation,
  parseExport,
  readChunk,
  toExport,
  toWireMessages,
} from './chat.js'

const msg = (role: 'user' | 'assistant', content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id: `${role}-${content}`,
  role,
  content,
  createdAt: 1,
  ...extra,
})

describe('toWireMessages', () => {
  it('sends every earlier turn whichever model answered it, after the system prompt', () => {
    const c = {
      system: 'Be brief.',
      messages: [
        msg('user', 'hi'),
        msg('assistant', 'hello from A', { model: 'a/m1' }),
        msg('user', 'and now?'),
      ],
    }
    expect(toWireMessages(c)).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello from A' },
      { role: 'user', content: 'and now?' },
    ])
  })

  it('drops failed and empty answers so the next model sees a clean history', () => {
    const c = {
      system: '  ',
      messages: [
        msg('user', 'q'),
        msg('assistant', '', { error: 'boom' }),
        msg('assistant', ''),
        msg('user', 'q2'),
      ],
    }
    expect(toWireMessages(c)).toEqual([
      { role: 'user', content: 'q' },
      { role: 'user', content: 'q2' },
    ])
  })
})

describe('readChunk / applyDelta', () => {
  it('folds OpenAI stream chunks, usage and cost into the answer', () => {
    let m = msg('assistant', '')
    for (const data of [
      '{"choices":[{"delta":{"role":"assistant","content":""}}]}',
      '{"choices":[{"delta":{"content":"Hel"}}]}',
      '{"choices":[{"delta":{"content":"lo"},"finish_reason":"stop"}]}',
      '{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":2,"cost_usd":0.0003}}',
    ]) {
      m = applyDelta(m, readChunk(data)!)
    }
    expect(m).toMatchObject({ content: 'Hello', inputTokens: 12, outputTokens: 2, costUsd: 0.0003 })
    expect(readChunk('[DONE]')).toBeNull()
  })

  it('turns an error event into the message error', () => {
    expect(readChunk('{"error":{"message":"upstream 503 from openai"}}')).toMatchObject({
      error: 'upstream 503 from openai',
    })
  })
})

describe('export / import', () => {
  it('round-trips conversations and rejects other files', () => {
    const c = { ...newConversation('a/m', 5), messages: [msg('user', 'x')] }
    const back = parseExport(JSON.stringify(toExport([c], 9)))
    expect(back).toHaveLength(1)
    expect(back[0]).toMatchObject({ id: c.id, model: 'a/m', messages: [{ role: 'user', content: 'x' }] })
    expect(() => parseExport('{"format":"other"}')).toThrow(/not a Latchkey chat export/)
    expect(() => parseExport('nope')).toThrow(/not a JSON file/)
  })

  it('filters roles it does not know (no system/tool injection through an import)', () => {
    const file = JSON.stringify({
      format: 'latchkey-chat',
      version: 1,
      conversations: [
        {
          id: 'c1',
          messages: [
            { role: 'system', content: 'evil' },
            { role: 'user', content: 'ok' },
          ],
        },
      ],
    })
    expect(parseExport(file)[0]!.messages.map((m) => m.role)).toEqual(['user'])
  })
})

describe('SseParser', () => {
  it('parses events split across chunks, CRLF and comments', () => {
    const p = new SseParser()
    const out = [
      ...p.push(': keep-alive\r\nevent: delta\r\ndata: {"column":0,'),
      ...p.push('"text":"a"}\r\n\r\ndata: x\n'),
      ...p.push('data: y\n\n'),
    ]
    expect(out).toEqual([
      { event: 'delta', data: '{"column":0,"text":"a"}', id: undefined },
      { event: 'message', data: 'x\ny', id: undefined },
    ])
  })

  it('flushes an unterminated last event at end of stream', () => {
    const p = new SseParser()
    expect(p.push('data: [DONE]')).toEqual([])
    expect(p.end()).toEqual([{ event: 'message', data: '[DONE]', id: undefined }])
  })
})
