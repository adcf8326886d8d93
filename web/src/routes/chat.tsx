/**
 * Chat: streaming answers from any model the person may use, with the model switchable between
 * turns (the whole conversation is re-sent, so the new model sees the earlier turns).
 * Conversations stay in this browser's IndexedDB; the server keeps no chat content.
 * @module
 */
import { type KeyboardEvent, useCallback, useEffect, useRef, useState } from 'react'
import { Link } from 'react-router'
import { request } from '../api/client.js'
import { useMe } from '../api/session.js'
import { readSse } from '../api/sse.js'
import { MessageView, prevModel } from '../components/chat-message.js'
import { ModelSelect, useModelGroups } from '../components/model-picker.js'
import { Empty, ErrorNotice, errorText, Notice } from '../components/ui.js'
import {
  applyDelta,
  type ChatMessage,
  type Conversation,
  newConversation,
  newId,
  parseExport,
  readChunk,
  titleFrom,
  toExport,
  toWireMessages,
} from '../lib/chat.js'
import { estimateCost } from '../lib/cost.js'
import { download } from '../lib/csv.js'
import { relative } from '../lib/format.js'
import { can } from '../lib/roles.js'
import * as store from '../lib/store.js'

const LAST_MODEL = 'lk.chat.model'

export function ChatPage() {
  const me = useMe()
  const models = useModelGroups()
  const [convs, setConvs] = useState<Conversation[]>([])
  const [current, setCurrent] = useState<Conversation | null>(null)
  const [input, setInput] = useState('')
  const [streaming, setStreaming] = useState(false)
  const [error, setError] = useState<unknown>()
  const [notice, setNotice] = useState<string | null>(null)
  // On a phone the conversation list is a drawer; picking a conversation closes it.
  const [listOpen, setListOpen] = useState(false)
  const abortRef = useRef<AbortController | null>(null)
  const endRef = useRef<HTMLDivElement>(null)
  const fileRef = useRef<HTMLInputElement>(null)
  const mayUse = can(me.principal, 'gateway:use')

  // Leaving the page stops a running stream (and with it the upstream call).
  useEffect(() => () => abortRef.current?.abort(), [])

  const firstModel = models.data?.[0]?.models[0]?.id ?? ''
  const defaultModel = localStorage.getItem(LAST_MODEL) || firstModel

  const loadList = useCallback(async () => {
    const all = await store.listConversations()
    setConvs(all)
    return all
  }, [])

  useEffect(() => {
    loadList()
      .then((all) => setCurrent((c) => c ?? all[0] ?? null))
      .catch((e) => setError(e))
  }, [loadList])

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll on every new token
  useEffect(() => {
    endRef.current?.scrollIntoView({ block: 'end' })
  }, [current?.messages])

  const conv = current ?? newConversation(defaultModel)
  const model = conv.model || defaultModel

  async function persist(c: Conversation) {
    setCurrent(c)
    await store.saveConversation(c)
    await loadList()
  }

  function setModel(m: string) {
    localStorage.setItem(LAST_MODEL, m)
    const next = { ...conv, model: m }
    setCurrent(next)
    if (conv.messages.length) void store.saveConversation(next)
  }

  async function send() {
    const text = input.trim()
    if (!text || streaming || !model) return
    setError(undefined)
    setInput('')
    const user: ChatMessage = { id: newId(), role: 'user', content: text, createdAt: Date.now() }
    let c: Conversation = {
      ...conv,
      model,
      title: conv.messages.length ? conv.title : titleFrom(text),
      messages: [...conv.messages, user],
      updatedAt: Date.now(),
    }
    const wire = toWireMessages(c)
    let answer: ChatMessage = { id: newId(), role: 'assistant', content: '', model, createdAt: Date.now() }
    c = { ...c, messages: [...c.messages, answer] }
    await persist(c)
    const update = (m: ChatMessage) => {
      answer = m
      c = { ...c, messages: [...c.messages.slice(0, -1), m], updatedAt: Date.now() }
      setCurrent(c)
    }

    const ac = new AbortController()
    abortRef.current = ac
    setStreaming(true)
    const started = performance.now()
    try {
      const res = await request(
        'POST',
        '/v1/chat/completions',
        { model, messages: wire, stream: true, stream_options: { include_usage: true } },
        { signal: ac.signal },
      )
      const servedBy = res.headers.get('x-latchkey-model')
      if (servedBy) update({ ...answer, model: servedBy })
      for await (const ev of readSse(res)) {
        const d = readChunk(ev.data)
        if (!d) break
        if (d.text && answer.ttftMs === undefined) update({ ...answer, ttftMs: performance.now() - started })
        update(applyDelta(answer, d))
      }
    } catch (e) {
      if ((e as Error).name === 'AbortError') update({ ...answer, stopped: true })
      else update({ ...answer, error: errorText(e) })
    } finally {
      update({ ...answer, latencyMs: performance.now() - started })
      if (answer.costUsd === undefined && answer.inputTokens !== undefined && answer.model) {
        const cost = await estimateCost(answer.model, answer.inputTokens, answer.outputTokens ?? 0)
        if (cost !== null) update({ ...answer, costUsd: cost })
      }
      abortRef.current = null
      setStreaming(false)
      await store.saveConversation(c)
      await loadList()
    }
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      void send()
    }
  }

  async function remove(id: string) {
    await store.deleteConversation(id)
    const all = await loadList()
    if (current?.id === id) setCurrent(all[0] ?? null)
  }

  async function importFile(f: File) {
    try {
      const cs = parseExport(await f.text())
      await store.importConversations(cs)
      await loadList()
      setNotice(`Imported ${cs.length} conversation${cs.length === 1 ? '' : 's'}.`)
    } catch (e) {
      setError(new Error(`Import failed: ${errorText(e)}`))
    }
  }

  return (
    <div className={listOpen ? 'chat list-open' : 'chat'}>
      {listOpen && (
        <button
          type="button"
          className="drawer-backdrop"
          aria-label="Close the conversation list"
          tabIndex={-1}
          onClick={() => setListOpen(false)}
        />
      )}
      <aside className="chat-list" id="chat-list" aria-label="Conversations">
        <button
          type="button"
          className="btn btn-primary btn-block"
          onClick={() => {
            setCurrent(newConversation(model))
            setListOpen(false)
          }}
          disabled={streaming}
        >
          New chat
        </button>
        <ul>
          {convs.map((x) => (
            <li key={x.id} className={x.id === conv.id ? 'on' : ''}>
              <button
                type="button"
                className="conv-link"
                onClick={() => {
                  setCurrent(x)
                  setListOpen(false)
                }}
                disabled={streaming}
              >
                <span className="conv-title">{x.title}</span>
                <span className="muted small">{relative(x.updatedAt)}</span>
              </button>
              <button
                type="button"
                className="btn-icon"
                aria-label={`Delete ${x.title}`}
                onClick={() => void remove(x.id)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
        <div className="row">
          <button
            type="button"
            className="btn btn-sm"
            disabled={convs.length === 0}
            onClick={() =>
              download('latchkey-chats.json', JSON.stringify(toExport(convs), null, 2), 'application/json')
            }
          >
            Export
          </button>
          <button type="button" className="btn btn-sm" onClick={() => fileRef.current?.click()}>
            Import
          </button>
          <input
            ref={fileRef}
            type="file"
            accept="application/json,.json"
            hidden
            aria-label="Import conversations file"
            onChange={(e) => {
              const f = e.target.files?.[0]
              if (f) void importFile(f)
              e.target.value = ''
            }}
          />
        </div>
        <p className="muted small">Stored in this browser only.</p>
      </aside>
      <section className="chat-main" aria-label="Conversation">
        <div className="chat-head">
          <button
            type="button"
            className="btn btn-sm"
            aria-expanded={listOpen}
            aria-controls="chat-list"
            onClick={() => setListOpen(!listOpen)}
          >
            <span aria-hidden="true">☰</span> Conversations
          </button>
          <span className="conv-title muted small">{conv.messages.length ? conv.title : 'New chat'}</span>
        </div>
        <details className="system-box" open={conv.system !== '' && conv.messages.length === 0}>
          <summary>
            System prompt
            {conv.system ? <span className="muted small"> · {titleFrom(conv.system)}</span> : null}
          </summary>
          <label htmlFor="chat-system" className="sr-only">
            System prompt
          </label>
          <textarea
            id="chat-system"
            rows={3}
            placeholder="Instructions every model in this conversation gets first (optional)"
            value={conv.system}
            disabled={streaming}
            onChange={(e) => {
              const next = { ...conv, system: e.target.value }
              setCurrent(next)
              if (conv.messages.length) void store.saveConversation(next)
            }}
          />
        </details>
        <div className="chat-messages" aria-live="polite">
          {notice && (
            <Notice kind="success" onClose={() => setNotice(null)}>
              {notice}
            </Notice>
          )}
          <ErrorNotice error={models.error} onRetry={models.reload} />
          {conv.messages.length === 0 ? (
            <Empty
              title="Start a conversation"
              action={
                models.data?.length === 0 && (
                  <Link className="btn btn-primary" to="/keys">
                    Add a key
                  </Link>
                )
              }
            >
              {models.data && models.data.length === 0
                ? 'No models yet: add a provider key on the Keys page first.'
                : 'Pick a model below and ask anything. You can switch models between turns; the new model sees the whole conversation.'}
            </Empty>
          ) : (
            conv.messages.map((m, i) => (
              <MessageView
                key={m.id}
                m={m}
                prevModel={prevModel(conv.messages, i)}
                live={streaming && i === conv.messages.length - 1}
              />
            ))
          )}
          <div ref={endRef} />
        </div>
        <ErrorNotice error={error} />
        <form
          className="composer"
          onSubmit={(e) => {
            e.preventDefault()
            void send()
          }}
        >
          <label htmlFor="chat-input" className="sr-only">
            Message
          </label>
          <textarea
            id="chat-input"
            rows={3}
            placeholder={
              mayUse
                ? 'Message… (Enter to send, Shift+Enter for a new line)'
                : 'Your role cannot call models.'
            }
            value={input}
            disabled={!mayUse}
            onChange={(e) => setInput(e.target.value)}
            onKeyDown={onKey}
          />
          <div className="composer-bar">
            <div className="row composer-model">
              <label htmlFor="chat-model" className="small muted">
                Model
              </label>
              <ModelSelect id="chat-model" groups={models.data ?? []} value={model} onChange={setModel} />
            </div>
            {streaming ? (
              <button type="button" className="btn btn-danger" onClick={() => abortRef.current?.abort()}>
                ■ Stop
              </button>
            ) : (
              <button type="submit" className="btn btn-primary" disabled={!input.trim() || !model || !mayUse}>
                Send
              </button>
            )}
          </div>
        </form>
      </section>
    </div>
  )
}
