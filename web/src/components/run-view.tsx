/** One run: steps with model/tokens/cost/status, output, and approve/reject when it waits for review. */
import { type FormEvent, useEffect, useState } from 'react'
import { Link, useParams } from 'react-router'
import { get, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Run } from '../api/types.js'
import { count, ms, usd } from '../lib/format.js'
import { reviewsChanged } from '../lib/reviews-signal.js'
import { can } from '../lib/roles.js'
import { useAction } from '../lib/use-action.js'
import { useAsync } from '../lib/use-async.js'
import { TextAreaField } from './form-fields.js'
import { num, Table } from './table.js'
import { ErrorNotice, PageHeader, Section, Spinner, StatusBadge } from './ui.js'

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
  const action = useAction()
  const { busy, error } = action

  useEffect(() => {
    if (run.data && ACTIVE.has(run.data.status) && !run.loading) setTick((t) => t + 1)
  }, [run.data, run.loading])

  async function cancel() {
    if (!confirm('Cancel this run? Steps not yet finished will not run.')) return
    await action.run(async () => run.setData(await post<Run>(`/api/v1/runs/${runId}/cancel`)))
  }

  async function decide(decision: 'approve' | 'reject', e?: FormEvent) {
    e?.preventDefault()
    await action.run(async () => {
      const body: Record<string, unknown> = { decision }
      if (comment.trim()) body.comment = comment.trim()
      run.setData(await post<Run>(`/api/v1/runs/${runId}/review`, body))
      reviewsChanged()
      setComment('')
    })
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
          <Section id="steps-h" title="Steps">
            <Table columns={['Step', 'Model', 'Status', num('Tokens'), num('Cost'), num('Time')]}>
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
            </Table>
          </Section>
          {r.steps.some((s) => s.output !== undefined && s.output !== null) && (
            <Section id="outputs-h" title="Step outputs">
              {r.steps
                .filter((s) => s.output !== undefined && s.output !== null)
                .map((s) => (
                  <details key={s.id} open={s.id === r.waitingReview?.stepId}>
                    <summary className="mono">{s.id}</summary>
                    {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a long output scrolls; keyboard users scroll it by focusing it */}
                    <pre className="output" tabIndex={0}>
                      {typeof s.output === 'string' ? s.output : JSON.stringify(s.output, null, 2)}
                    </pre>
                  </details>
                ))}
            </Section>
          )}
          {r.purged && (
            <p className="muted">This run's inputs and outputs were purged after the retention period.</p>
          )}
          {r.status === 'waiting_review' && (
            <Section id="review-h" title="Waiting for your review" className="card review-box">
              <p>
                Step <strong className="mono">{r.waitingReview?.stepId}</strong> needs a decision
                {r.waitingReview?.role ? ` from a ${r.waitingReview.role} or higher` : ''}.
              </p>
              {r.waitingReview?.message && <p>{r.waitingReview.message}</p>}
              {can(me.principal, 'reviews:decide') ? (
                <form className="stack" onSubmit={(e) => void decide('approve', e)}>
                  <TextAreaField label="Comment (optional)" rows={2} value={comment} onChange={setComment} />
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
            </Section>
          )}
          {r.output !== undefined && r.output !== null && (
            <Section id="out-h" title={r.status === 'succeeded' ? 'Output' : 'Output so far'}>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a long output scrolls; keyboard users scroll it by focusing it */}
              <pre className="output" tabIndex={0}>
                {typeof r.output === 'string' ? r.output : JSON.stringify(r.output, null, 2)}
              </pre>
            </Section>
          )}
          {r.error !== undefined && r.error !== null && (
            <ErrorNotice error={new Error(typeof r.error === 'string' ? r.error : JSON.stringify(r.error))} />
          )}
        </>
      )}
    </div>
  )
}
