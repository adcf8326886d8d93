/**
 * Reviews: runs parked at a review gate, for the people entitled to decide them. Filters by
 * workflow and by "mine to decide"; approve or reject with a comment without leaving the page.
 * A gate the caller may not decide (their own run under `not_starter`, a role too low) says
 * why and offers no buttons. The server decides again on every click (docs/threat-model.md).
 * @module
 */
import { useState } from 'react'
import { Link } from 'react-router'
import { get, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Page, Review } from '../api/types.js'
import { Badge, Empty, ErrorNotice, Notice, PageHeader, PageList } from '../components/ui.js'
import { relative } from '../lib/format.js'
import { reviewsChanged } from '../lib/reviews-signal.js'
import { can } from '../lib/roles.js'
import { useAction } from '../lib/use-action.js'
import { useAsync } from '../lib/use-async.js'
import '../pages.css'

type Show = 'mine' | 'all'

export function ReviewsPage() {
  const list = useAsync((signal) => get<Page<Review>>('/api/v1/reviews', { signal }), [])
  const [show, setShow] = useState<Show>('mine')
  const [workflow, setWorkflow] = useState('')
  const [done, setDone] = useState<string | null>(null)
  const all = list.data?.data ?? []
  const names = [...new Set(all.map((r) => r.workflowName ?? ''))].filter(Boolean).sort()
  const rows = all
    .filter((r) => show === 'all' || r.canDecide !== false)
    .filter((r) => !workflow || r.workflowName === workflow)
  const decided = (text: string) => {
    setDone(text)
    list.reload()
    reviewsChanged()
  }
  return (
    <div className="page">
      <PageHeader
        title="Reviews"
        subtitle="Workflow runs paused for a person's decision. Approving resumes the run; rejecting fails it."
      />
      {done && (
        <Notice kind="success" onClose={() => setDone(null)}>
          {done}
        </Notice>
      )}
      <div className="row wrap align-end filters">
        <div className="field">
          <label htmlFor="reviews-show">Show</label>
          <select id="reviews-show" value={show} onChange={(e) => setShow(e.target.value as Show)}>
            <option value="mine">waiting for my decision</option>
            <option value="all">everything waiting</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="reviews-wf">Workflow</label>
          <select id="reviews-wf" value={workflow} onChange={(e) => setWorkflow(e.target.value)}>
            <option value="">all workflows</option>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <span className="muted small">
          {rows.length} of {all.length} waiting
        </span>
      </div>
      <PageList
        state={list}
        empty={rows.length === 0}
        ifEmpty={
          <Empty title="Nothing to review">
            {all.length
              ? 'Other runs are waiting, for someone else’s decision: choose “everything waiting” to see them.'
              : 'Runs that reach a review step wait here for a decision.'}
          </Empty>
        }
      >
        <ul className="review-cards">
          {rows.map((r) => (
            <ReviewCard key={`${r.runId}:${r.stepId ?? ''}`} r={r} onDecided={decided} />
          ))}
        </ul>
      </PageList>
    </div>
  )
}

function ReviewCard({ r, onDecided }: { r: Review; onDecided: (text: string) => void }) {
  const me = useMe()
  const [comment, setComment] = useState('')
  const act = useAction()
  const id = `rv-${r.runId}`
  // The server's reason first; a role that can never decide is said here without asking.
  const refusal =
    r.canDecide === false
      ? (r.reason ?? 'someone else must decide this review')
      : can(me.principal, 'reviews:decide')
        ? null
        : 'your role cannot decide reviews'
  const decide = (decision: 'approve' | 'reject') =>
    act.run(async () => {
      await post(`/api/v1/runs/${r.runId}/review`, {
        decision,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      })
      onDecided(
        `${r.workflowName ?? 'Run'} ${decision === 'approve' ? 'approved: the run resumes' : 'rejected'}.`,
      )
    })
  return (
    <li className="card review-card" aria-labelledby={`${id}-h`}>
      <div className="row wrap">
        <h2 id={`${id}-h`} className="review-title">
          {r.workflowName ?? 'Run'}
          {r.workflowVersion ? <span className="muted"> v{r.workflowVersion}</span> : null}
          {r.stepId && <span className="muted"> · step {r.stepId}</span>}
        </h2>
      </div>
      <div className="caps review-tags">
        {r.role && <Badge tone="info">reviewer: {r.role} or above</Badge>}
        {r.notStarter && <Badge tone="warn">not by the starter</Badge>}
      </div>
      {r.message && <p>{r.message}</p>}
      <p className="muted small">
        Started by {r.startedBy ?? 'someone'} · waiting since {relative(r.createdAt ?? null)} ·{' '}
        <Link to={`/workflows/runs/${r.runId}`}>Open the run to read its output</Link>
      </p>
      {refusal ? (
        <p className="review-refusal" role="note">
          You cannot decide this one: {refusal}.
        </p>
      ) : (
        <form
          className="stack"
          aria-label={`Decide ${r.workflowName ?? 'run'}`}
          onSubmit={(e) => {
            e.preventDefault()
            void decide('approve')
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-c`}>Comment (optional)</label>
            <textarea id={`${id}-c`} rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
          </div>
          <ErrorNotice error={act.error} />
          <div className="row end">
            <button
              type="button"
              className="btn btn-danger"
              disabled={act.busy}
              onClick={() => void decide('reject')}
            >
              Reject
            </button>
            <button type="submit" className="btn btn-primary" disabled={act.busy}>
              Approve
            </button>
          </div>
        </form>
      )}
    </li>
  )
}
