/**
 * Chat conversations: what a conversation holds, how it becomes a `/v1/chat/completions`
 * request (every earlier turn is sent, whatever model answered it, so switching models keeps
 * the context), and how streamed chunks fold into the answer. Pure, unit-tested.
 * @module
 */

export interface ChatMessage {
  id: string
  role: 'user' | 'assistant'
  content: string
  /** The model that answered (assistant turns). */
  model?: string
  inputTokens?: number
  outputTokens?: number
  costUsd?: number
  latencyMs?: number
  ttftMs?: number
  /** Error text when the call failed; such turns are not sent back to models. */
  error?: string
  stopped?: boolean
  createdAt: number
}

export interface Conversation {
  id: string
  title: string
  system: string
  model: string
  messages: ChatMessage[]
  createdAt: number
  updatedAt: number
}

export interface WireMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export function newId(): string {
  return crypto.randomUUID()
}

export function newConversation(model: string, now = Date.now()): Conversation {
  return { id: newId(), title: 'New chat', system: '', model, messages: [], createdAt: now, updatedAt: now }
}

/** The messages sent for the next turn: system prompt, then every successful turn in order. */
export function toWireMessages(conv: Pick<Conversation, 'system' | 'messages'>): WireMessage[] {
  const out: WireMessage[] = []
  if (conv.system.trim()) out.push({ role: 'system', content: conv.system })
  for (const m of conv.messages) {
    if (m.error) continue
    if (m.role === 'assistant' && !m.content) continue
    out.push({ role: m.role, content: m.content })
  }
  return out
}

/** A title from the first user turn. */
export function titleFrom(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim()
  return t.length > 48 ? `${t.slice(0, 47)}…` : t || 'New chat'
}

/** What one streamed `chat.completion.chunk` adds to the answer. */
export interface ChunkDelta {
  text: string
  finishReason?: string
  inputTokens?: number
  outputTokens?: number
  costUsd?: number
  model?: string
  error?: string
}

export function readChunk(data: string): ChunkDelta | null {
  if (data === '[DONE]') return null
  let j: Record<string, unknown>
  try {
    j = JSON.parse(data)
  } catch {
    return { text: '' }
  }
  if (j.error) {
    const e = j.error as { message?: string }
    return { text: '', error: e.message ?? 'the provider returned an error' }
  }
  const choice = (j.choices as { delta?: { content?: string | null }; finish_reason?: string | null }[])?.[0]
  const usage = j.usage as Record<string, unknown> | undefined | null
  const d: ChunkDelta = { text: choice?.delta?.content ?? '' }
  if (choice?.finish_reason) d.finishReason = choice.finish_reason
  if (usage) {
    if (typeof usage.prompt_tokens === 'number') d.inputTokens = usage.prompt_tokens
    if (typeof usage.completion_tokens === 'number') d.outputTokens = usage.completion_tokens
    const cost = usage.cost_usd ?? usage.cost ?? (j.latchkey as { costUsd?: number } | undefined)?.costUsd
    if (typeof cost === 'number') d.costUsd = cost
  }
  if (typeof j.model === 'string') d.model = j.model
  return d
}

/** Folds a delta into the assistant message being streamed. */
export function applyDelta(m: ChatMessage, d: ChunkDelta): ChatMessage {
  const next = { ...m, content: m.content + d.text }
  if (d.inputTokens !== undefined) next.inputTokens = d.inputTokens
  if (d.outputTokens !== undefined) next.outputTokens = d.outputTokens
  if (d.costUsd !== undefined) next.costUsd = d.costUsd
  if (d.error) next.error = d.error
  return next
}

/** Export file: versioned so a later import can tell what it reads. */
export interface ChatExport {
  format: 'latchkey-chat'
  version: 1
  exportedAt: number
  conversations: Conversation[]
}

export function toExport(conversations: Conversation[], now = Date.now()): ChatExport {
  return { format: 'latchkey-chat', version: 1, exportedAt: now, conversations }
}

/** Validates an import file; throws with a reason a person can act on. */
export function parseExport(text: string): Conversation[] {
  let j: unknown
  try {
    j = JSON.parse(text)
  } catch {
    throw new Error('not a JSON file')
  }
  const e = j as Partial<ChatExport>
  if (e?.format !== 'latchkey-chat' || !Array.isArray(e.conversations)) {
    throw new Error('not a Latchkey chat export (expected format "latchkey-chat")')
  }
  return e.conversations.map((c, i) => {
    if (typeof c?.id !== 'string' || !Array.isArray(c.messages))
      throw new Error(`conversation ${i + 1} is malformed`)
    const messages = c.messages
      .filter((m) => (m?.role === 'user' || m?.role === 'assistant') && typeof m.content === 'string')
      .map((m) => ({ ...m, id: typeof m.id === 'string' ? m.id : newId() }))
    return {
      id: c.id,
      title: typeof c.title === 'string' ? c.title : 'Imported chat',
      system: typeof c.system === 'string' ? c.system : '',
      model: typeof c.model === 'string' ? c.model : '',
      messages,
      createdAt: Number(c.createdAt) || Date.now(),
      updatedAt: Number(c.updatedAt) || Date.now(),
    }
  })
}
