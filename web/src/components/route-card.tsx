/**
 * One route alias: its targets and fallbacks with the live breaker state of each (polled from
 * `/routes/:alias/health`), its retry/timeout settings, and a dry run that sends a test prompt
 * through the alias exactly as a caller would (`POST /v1/chat/completions`, so routing,
 * budgets, metering and audit apply) and says which target answered.
 * @module
 */
import { useEffect, useState } from 'react'
import { get, request } from '../api/client.js'
import { ms } from '../lib/format.js'
import { type RouteView, shares } from '../lib/route-form.js'
import { useAction } from '../lib/use-action.js'
import { useAsync } from '../lib/use-async.js'
import { Badge, ErrorNotice } from './ui.js'

interface TargetHealth {
  model: string
  role: 'target' | 'fallback'
  state: 'closed' | 'half_open' | 'open' | 'unresolved'
  requests: number
  failures: number
}

const STATE: Record<TargetHealth['state'], { tone: string; text: string }> = {
  closed: { tone: 'ok', text: 'healthy' },
  half_open: { tone: 'warn', text: 'probing' },
  open: { tone: 'bad', text: 'circuit open' },
  unresolved: { tone: 'neutral', text: 'key missing' },
}

export const HEALTH_POLL_MS = 10_000

const tries = (n: number) => (n === 1 ? '1 try' : `${n} tries`)

export function RouteCard({
  route,
  mayManage,
  onEdit,
  onDelete,
}: {
  route: RouteView
  mayManage: boolean
  onEdit: () => void
  onDelete: () => void
}) {
  const id = `route-${route.alias.replace(/[^A-Za-z0-9_-]/g, '_')}`
  const health = useAsync(
    (signal) =>
      get<{ healthy: boolean; targets: TargetHealth[] }>(
        `/api/v1/routes/${encodeURIComponent(route.alias)}/health`,
        { signal },
      ),
    [route.alias, route.updatedAt],
  )
  const reload = health.reload
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') reload()
    }, HEALTH_POLL_MS)
    return () => clearInterval(t)
  }, [reload])
  const byModel = new Map((health.data?.targets ?? []).map((t) => [`${t.role}:${t.model}`, t]))
  const pct = shares(route.targets)
  const row = (role: 'target' | 'fallback', model: string, extra: string) => {
    const h = byModel.get(`${role}:${model}`)
    const s = h ? STATE[h.state] : null
    return (
      <li key={`${role}:${model}`} className="route-target">
        <div className="rt-name">
          <span className="mono">{model}</span> <span className="muted small">{extra}</span>
        </div>
        <div className="rt-state">
          {h && h.requests > 0 && (
            <span className="muted small">
              {h.failures}/{h.requests} failed
            </span>
          )}
          {s ? <Badge tone={s.tone}>{s.text}</Badge> : <Badge>…</Badge>}
        </div>
      </li>
    )
  }
  return (
    <li className="card route-card" aria-labelledby={`${id}-h`}>
      <div className="row wrap">
        <h2 id={`${id}-h`} className="mono route-alias">
          {route.alias}
        </h2>
        {health.data && (
          <Badge tone={health.data.healthy ? 'ok' : 'bad'}>
            {health.data.healthy ? 'serving' : 'no healthy target'}
          </Badge>
        )}
        <span className="spacer" />
        {mayManage && (
          <>
            <button type="button" className="btn btn-sm" onClick={onEdit} aria-label={`Edit ${route.alias}`}>
              Edit
            </button>
            <button
              type="button"
              className="btn btn-sm btn-danger"
              aria-label={`Delete ${route.alias}`}
              onClick={() => {
                if (confirm(`Delete route ${route.alias}? Callers using it get an unknown-model error.`))
                  onDelete()
              }}
            >
              Delete
            </button>
          </>
        )}
      </div>
      <ErrorNotice error={health.error} onRetry={reload} />
      <ul className="route-targets" aria-label={`Targets of ${route.alias}`}>
        {route.targets.map((t, i) => row('target', t.model, `weight ${t.weight ?? 1} · ${pct[i]}% first`))}
        {route.fallbacks.map((f, i) => row('fallback', f.model, `fallback ${i + 1}`))}
      </ul>
      <p className="muted small">
        {tries(route.retry?.attempts ?? 2)} per target
        {route.retry?.backoffMs !== undefined ? `, backoff ${route.retry.backoffMs} ms` : ''} · timeout{' '}
        {route.timeoutMs ? ms(route.timeoutMs) : 'default (120 s)'} · {route.mode ?? 'default'} translation
      </p>
      <DryRun alias={route.alias} onDone={reload} />
    </li>
  )
}

function DryRun({ alias, onDone }: { alias: string; onDone: () => void }) {
  const [prompt, setPrompt] = useState('Say hello in five words.')
  const [result, setResult] = useState<{ text: string; model: string; latencyMs: number } | null>(null)
  const send = useAction()
  const inputId = `dry-${alias.replace(/[^A-Za-z0-9_-]/g, '_')}`
  const run = () =>
    send.run(async () => {
      setResult(null)
      const t0 = performance.now()
      try {
        const res = await request('POST', '/v1/chat/completions', {
          model: alias,
          messages: [{ role: 'user', content: prompt }],
          max_tokens: 64,
        })
        const body = (await res.json()) as { choices?: { message?: { content?: string } }[] }
        setResult({
          text: body.choices?.[0]?.message?.content ?? '',
          model: res.headers.get('x-latchkey-model') ?? '?',
          latencyMs: performance.now() - t0,
        })
      } finally {
        onDone()
      }
    })
  return (
    <form
      className="dry-run"
      aria-label={`Test ${alias}`}
      onSubmit={(e) => {
        e.preventDefault()
        void run()
      }}
    >
      <div className="row wrap align-end">
        <div className="field grow">
          <label htmlFor={inputId}>Test prompt</label>
          <input id={inputId} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        </div>
        <button type="submit" className="btn" disabled={send.busy || !prompt.trim()}>
          {send.busy ? 'Sending…' : 'Send through route'}
        </button>
      </div>
      <ErrorNotice error={send.error} />
      {result && (
        <div className="dry-result" role="status">
          <div className="small">
            Answered by <strong className="mono">{result.model}</strong> in {ms(result.latencyMs)}
          </div>
          <div className="output">{result.text || '(empty answer)'}</div>
        </div>
      )}
    </form>
  )
}
