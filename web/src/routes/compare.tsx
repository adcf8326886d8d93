/**
 * Compare: one prompt to 2–6 models at once over ONE multiplexed SSE stream (browsers allow
 * six connections per host), with time to first token, total time, tokens and cost per column.
 * @module
 */
import { type CSSProperties, useEffect, useRef, useState } from 'react'
import { useMe } from '../api/session.js'
import { postSse } from '../api/sse.js'
import { Markdown } from '../components/markdown.js'
import { ModelSelect, useModelGroups } from '../components/model-picker.js'
import { RecipeCompare } from '../components/recipe-compare.js'
import { Badge, ErrorNotice, errorText, Field, PageHeader } from '../components/ui.js'
import { applyCompareEvent, type Column, emptyColumn, leaders } from '../lib/compare.js'
import { count, ms, usd } from '../lib/format.js'
import { can } from '../lib/roles.js'

const MAX = 6

export function ComparePage() {
  const me = useMe()
  const groups = useModelGroups()
  const all = (groups.data ?? []).flatMap((g) => g.models.map((m) => m.id))
  const [cols, setCols] = useState<Column[]>([])
  const [prompt, setPrompt] = useState('')
  const [system, setSystem] = useState('')
  const [winner, setWinner] = useState<number | null>(null)
  const [running, setRunning] = useState(false)
  const [error, setError] = useState<unknown>()
  const abortRef = useRef<AbortController | null>(null)
  const mayRun = can(me.principal, 'compare:run')

  // Leaving the page stops a running stream (and with it the upstream call).
  useEffect(() => () => abortRef.current?.abort(), [])

  // Start with two distinct models once the list is known.
  if (cols.length === 0 && all.length > 0) setCols(all.slice(0, 2).map((m) => emptyColumn(m)))

  async function run(only?: number) {
    if (!prompt.trim()) return
    const targets = only === undefined ? cols.map((_, i) => i) : [only]
    setError(undefined)
    if (only === undefined) setWinner(null)
    setCols((cs) =>
      cs.map((c, i) => (targets.includes(i) ? { ...emptyColumn(c.model, c.key), status: 'waiting' } : c)),
    )
    const ac = new AbortController()
    abortRef.current = ac
    setRunning(true)
    try {
      const body: Record<string, unknown> = {
        models: targets.map((i) => cols[i]!.model),
        messages: [{ role: 'user', content: prompt }],
      }
      if (system.trim()) body.system = system
      for await (const ev of postSse('/api/v1/compare', body, ac.signal)) {
        if (ev.event === 'end') break
        let data: Record<string, unknown>
        try {
          data = JSON.parse(ev.data)
        } catch {
          continue
        }
        setCols((cs) => applyCompareEvent(cs, { event: ev.event, data }, (i) => targets[i] ?? -1))
      }
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError(e)
      setCols((cs) =>
        cs.map((c, i) =>
          targets.includes(i) && (c.status === 'waiting' || c.status === 'streaming')
            ? { ...c, status: 'error', error: (e as Error).name === 'AbortError' ? 'Stopped' : errorText(e) }
            : c,
        ),
      )
    } finally {
      abortRef.current = null
      setRunning(false)
    }
  }

  const lead = leaders(cols)
  return (
    <div className="page page-wide">
      <PageHeader
        title="Compare"
        subtitle="Send one prompt to several models side by side: quality, speed and cost at a glance."
      />
      <ErrorNotice error={groups.error ?? error} />
      <form
        className="card stack"
        onSubmit={(e) => {
          e.preventDefault()
          void run()
        }}
      >
        <div className="grid-2">
          <Field label="Prompt">
            {(id) => (
              <textarea
                id={id}
                rows={4}
                required
                value={prompt}
                onChange={(e) => setPrompt(e.target.value)}
              />
            )}
          </Field>
          <Field label="System prompt (optional)">
            {(id) => <textarea id={id} rows={4} value={system} onChange={(e) => setSystem(e.target.value)} />}
          </Field>
        </div>
        <div className="row wrap align-end">
          {cols.map((c, i) => (
            <div key={c.key} className="col-pick">
              <Field label={`Model ${i + 1}`}>
                {(id) => (
                  <ModelSelect
                    id={id}
                    groups={groups.data ?? []}
                    value={c.model}
                    disabled={running}
                    onChange={(m) => setCols((cs) => cs.map((x, j) => (j === i ? emptyColumn(m, x.key) : x)))}
                  />
                )}
              </Field>
              {cols.length > 2 && (
                <button
                  type="button"
                  className="btn-icon"
                  aria-label={`Remove model ${i + 1}`}
                  disabled={running}
                  onClick={() => setCols((cs) => cs.filter((_, j) => j !== i))}
                >
                  ×
                </button>
              )}
            </div>
          ))}
          {cols.length < MAX && (
            <button
              type="button"
              className="btn"
              disabled={running || all.length === 0}
              onClick={() => setCols((cs) => [...cs, emptyColumn(all[cs.length % all.length] ?? '')])}
            >
              + Add model
            </button>
          )}
          <span className="spacer" />
          {running ? (
            <button type="button" className="btn btn-danger" onClick={() => abortRef.current?.abort()}>
              ■ Stop
            </button>
          ) : (
            <button
              type="submit"
              className="btn btn-primary"
              disabled={!mayRun || cols.length < 1 || !prompt.trim()}
            >
              Compare
            </button>
          )}
        </div>
      </form>
      <div
        className="compare-grid"
        // One column per model on a wide screen; the stylesheet stacks them on a phone.
        style={{ '--cols': Math.max(cols.length, 1) } as CSSProperties}
      >
        {cols.map((c, i) => (
          <section
            key={c.key}
            className={`card compare-col${winner === i ? ' winner' : ''}`}
            aria-label={`Answer from ${c.model}`}
          >
            <header className="compare-head">
              <strong className="mono" title={c.model}>
                {c.model || '—'}
              </strong>
              <div className="row">
                {lead.fastest === i && cols.length > 1 && <Badge tone="info">fastest</Badge>}
                {lead.cheapest === i && cols.length > 1 && <Badge tone="ok">cheapest</Badge>}
                {winner === i && <Badge tone="warn">winner</Badge>}
              </div>
            </header>
            <dl className="stats">
              <div>
                <dt>First token</dt>
                <dd>{ms(c.ttftMs)}</dd>
              </div>
              <div>
                <dt>Total</dt>
                <dd>{ms(c.latencyMs)}</dd>
              </div>
              <div>
                <dt>Tokens</dt>
                <dd>
                  {c.inputTokens === undefined ? '—' : `${count(c.inputTokens)} → ${count(c.outputTokens)}`}
                </dd>
              </div>
              <div>
                <dt>Cost</dt>
                <dd>{usd(c.costUsd)}</dd>
              </div>
            </dl>
            <div
              className="compare-body"
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a long answer scrolls inside the column; keyboard users scroll it by focusing it
              tabIndex={0}
              aria-live="polite"
              aria-busy={c.status === 'waiting' || c.status === 'streaming'}
            >
              {c.status === 'waiting' && <span className="typing" role="img" aria-label="Waiting" />}
              {c.text && <Markdown text={c.text} />}
              {c.status === 'error' && (
                <div className="msg-error" role="alert">
                  {c.error}
                </div>
              )}
            </div>
            <footer className="row">
              <button
                type="button"
                className="btn btn-sm"
                disabled={c.status !== 'done'}
                aria-pressed={winner === i}
                onClick={() => setWinner(winner === i ? null : i)}
              >
                {winner === i ? '★ Winner' : '☆ Pick as winner'}
              </button>
              <button
                type="button"
                className="btn btn-sm"
                disabled={running || !prompt.trim() || !mayRun}
                onClick={() => void run(i)}
              >
                Re-run
              </button>
            </footer>
          </section>
        ))}
      </div>
      <RecipeCompare models={all} groups={groups.data ?? []} />
    </div>
  )
}
