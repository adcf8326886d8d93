/** One chat turn: the person's text, or a model's answer with its model, tokens, cost and timings. */
import type { ChatMessage } from '../lib/chat.js'
import { count, ms, usd } from '../lib/format.js'
import { Markdown } from './markdown.js'

/** The model of the previous assistant turn, to mark where the conversation switched. */
export function prevModel(messages: ChatMessage[], i: number): string | undefined {
  for (let j = i - 1; j >= 0; j--) if (messages[j]!.role === 'assistant') return messages[j]!.model
  return undefined
}

export function MessageView({ m, prevModel, live }: { m: ChatMessage; prevModel?: string; live: boolean }) {
  if (m.role === 'user') {
    return (
      <article className="msg msg-user" aria-label="You">
        <div className="msg-body">{m.content}</div>
      </article>
    )
  }
  const switched = prevModel && m.model && prevModel !== m.model
  return (
    <>
      {switched && <div className="switch-marker">Switched to {m.model}</div>}
      <article
        className="msg msg-assistant"
        aria-label={`Answer from ${m.model ?? 'model'}`}
        aria-busy={live}
      >
        <div className="msg-body">
          {m.content ? (
            <Markdown text={m.content} />
          ) : live ? (
            <span className="typing" role="img" aria-label="Waiting for the model" />
          ) : null}
          {m.error && (
            <div className="msg-error" role="alert">
              {m.error}
            </div>
          )}
          {m.stopped && <div className="muted small">Stopped.</div>}
        </div>
        <footer className="msg-meta">
          <span className="mono">{m.model}</span>
          {m.inputTokens !== undefined && (
            <span title="input → output tokens">
              {count(m.inputTokens)} → {count(m.outputTokens)} tok
            </span>
          )}
          {m.costUsd !== undefined && <span>{usd(m.costUsd)}</span>}
          {m.ttftMs !== undefined && <span title="time to first token">first token {ms(m.ttftMs)}</span>}
          {m.latencyMs !== undefined && !live && <span title="total time">{ms(m.latencyMs)}</span>}
        </footer>
      </article>
    </>
  )
}
