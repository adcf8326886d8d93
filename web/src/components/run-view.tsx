/** One run: steps with model/tokens/cost/status, output, and approve/reject when it waits for review. */
import { type FormEvent, useEffect, useState } from 'react'
import { Link, useParams } from 'react-router'
import { get, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Run } from '../api/types.js'
import { count, ms, usd } from '../lib/format.js'
import { can } from '../lib/roles.js'
import { useAsync } from '../lib/use-async.js'
import { ErrorNotice, Field, PageHeader, Spinner, StatusBadge } from './ui.js'

const ACTIVE = new Set(['queued', 'running'])

export function RunView() {
  const { runId } = useParams()
  const me = useMe()
  const [tick, setTick] = useState(0)
  // While the run moves, long-poll: the server answers as soon as it leaves queued/running.
  const run = useAsync(
    (signal) => get<Run>(`/api/v1/runs/${runId}${tick > 0 ? '?wait=20' : ''}`, { signal }),
    [runId, tick],
  )
  const [comment, setComment] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>()

  useEffect(() => {
    if (run.data && ACTIVE.has(run.data.status) && !run.loading) setTick((t) => t + 1)
  }, [run.data, run.loading])

  async function cancel() {
    if (!confirm('Cancel this run? Steps not yet finished will not run.')) return
    setBusy(true)
    setError(undefined)
    try {
      run.setData(await post<Run>(`/api/v1/runs/${runId}/cancel`))
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  async function decide(decision: 'approve' | 'reject', e?: FormEvent) {
    e?.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const body: Record<string, unknown> = { decision }
      if (comment.trim()) body.comment = comment.trim()
      run.setData(await post<Run>(`/api/v1/runs/${runId}/review`, body))
      setComment('')
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  if (run.loading && !run.data) return <Spinner />
  const r = run.data
  return (
    <div className="page">
      <PageHeader
        title={`Run ${runId?.slice(-10) ?? ''}`}
        subtitle={
          <Link to={r?.workflowId ? `/workflows/${r.workflowId}` : '/workflows'}>Back to workflow</Link>
        }
        actions={
          r && (
            <>
              <StatusBadge status={r.status} />
              {(ACTIVE.has(r.status) || r.status === 'waiting_review') &&
                can(me.principal, 'workflows:run') && (
                  <button
                    type="button"
                    className="btn btn-sm btn-danger"
                    disabled={busy}
                    onClick={() => void cancel()}
                  >
                    Cancel run
                  </button>
                )}
            </>
          )
        }
      />
      <ErrorNotice error={run.error} onRetry={run.reload} />
      {r?.status !== 'waiting_review' && <ErrorNotice error={error} />}
      {r && (
        <>
          <section className="card" aria-labelledby="steps-h">
            <h2 id="steps-h">Steps</h2>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col">Model</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Tokens
                  </th>
                  <th scope="col" className="num">
                    Cost
                  </th>
                  <th scope="col" className="num">
                    Time
                  </th>
                </tr>
              </thead>
              <tbody>
                {r.steps.map((s) => (
                  <tr key={s.id}>
                    <td className="mono">{s.id}</td>
                    <td className="mono">{s.model ?? '—'}</td>
                    <td>
                      <StatusBadge status={s.status} />
                    </td>
                    <td className="num">
                      {s.usage ? `${count(s.usage.inputTokens)} → ${count(s.usage.outputTokens)}` : '—'}
                    </td>
                    <td className="num">{usd(s.costUsd ?? null)}</td>
                    <td className="num">{ms(s.latencyMs ?? null)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          {r.steps.some((s) => s.output !== undefined && s.output !== null) && (
            <section className="card" aria-labelledby="outputs-h">
              <h2 id="outputs-h">Step outputs</h2>
              {r.steps
                .filter((s) => s.output !== undefined && s.output !== null)
                .map((s) => (
                  <details key={s.id} open={s.id === r.waitingReview?.stepId}>
                    <summary className="mono">{s.id}</summary>
                    <pre className="output">
                      {typeof s.output === 'string' ? s.output : JSON.stringify(s.output, null, 2)}
                    </pre>
                  </details>
                ))}
            </section>
          )}
          {r.purged && (
            <p className="muted">This run's inputs and outputs were purged after the retention period.</p>
          )}
          {r.status === 'waiting_review' && (
            <section className="card review-box" aria-labelledby="review-h">
              <h2 id="review-h">Waiting for your review</h2>
              <p>
                Step <strong className="mono">{r.waitingReview?.stepId}</strong> needs a decision
                {r.waitingReview?.role ? ` from a ${r.waitingReview.role} or higher` : ''}.
              </p>
              {r.waitingReview?.message && <p>{r.waitingReview.message}</p>}
              {can(me.principal, 'reviews:decide') ? (
                <form className="stack" onSubmit={(e) => void decide('approve', e)}>
                  <Field label="Comment (optional)">
                    {(id) => (
                      <textarea
                        id={id}
                        rows={2}
                        value={comment}
                        onChange={(e) => setComment(e.target.value)}
                      />
                    )}
                  </Field>
                  <ErrorNotice error={error} />
                  <div className="row end">
                    <button
                      type="button"
                      className="btn btn-danger"
                      disabled={busy}
                      onClick={() => void decide('reject')}
                    >
                      Reject
                    </button>
                    <button type="submit" className="btn btn-primary" disabled={busy}>
                      Approve
                    </button>
                  </div>
                </form>
              ) : (
                <p className="muted">Your role cannot decide reviews.</p>
              )}
            </section>
          )}
          {r.output !== undefined && r.output !== null && (
            <section className="card" aria-labelledby="out-h">
              <h2 id="out-h">{r.status === 'succeeded' ? 'Output' : 'Output so far'}</h2>
              <pre className="output">
                {typeof r.output === 'string' ? r.output : JSON.stringify(r.output, null, 2)}
              </pre>
            </section>
          )}
          {r.error !== undefined && r.error !== null && (
            <ErrorNotice error={new Error(typeof r.error === 'string' ? r.error : JSON.stringify(r.error))} />
          )}
        </>
      )}
    </div>
  )
}
