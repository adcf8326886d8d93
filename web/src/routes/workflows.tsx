/** Workflows: recipe list, editor, runs and the review queue (sub-routes under /workflows). */
import { Link, Route, Routes, useNavigate } from 'react-router'
import { get } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Page, Review, WorkflowSummary } from '../api/types.js'
import { RunView } from '../components/run-view.js'
import { Badge, Empty, ErrorNotice, PageHeader, Spinner } from '../components/ui.js'
import { WorkflowDetail } from '../components/workflow-detail.js'
import { relative } from '../lib/format.js'
import { can } from '../lib/roles.js'
import { useAsync } from '../lib/use-async.js'

export function WorkflowsPage() {
  return (
    <Routes>
      <Route index element={<WorkflowList />} />
      <Route path="new" element={<WorkflowDetail />} />
      <Route path="runs/:runId" element={<RunView />} />
      <Route path=":id" element={<WorkflowDetail />} />
    </Routes>
  )
}

function WorkflowList() {
  const me = useMe()
  const navigate = useNavigate()
  const list = useAsync((signal) => get<Page<WorkflowSummary>>('/api/v1/workflows', { signal }), [])
  const reviews = useAsync((signal) => get<Page<Review>>('/api/v1/reviews', { signal }), [])
  const mayEdit = can(me.principal, 'workflows:manage')
  const rows = list.data?.data ?? []
  const queue = reviews.data?.data ?? []
  return (
    <div className="page">
      <PageHeader
        title="Workflows"
        subtitle="Versioned YAML recipes: each step on its own model, typed outputs, tools and human review."
        actions={
          mayEdit && (
            <button type="button" className="btn btn-primary" onClick={() => navigate('/workflows/new')}>
              New workflow
            </button>
          )
        }
      />
      <section aria-labelledby="reviews-h" className="card">
        <h2 id="reviews-h">Review queue {queue.length > 0 && <Badge tone="warn">{queue.length}</Badge>}</h2>
        <ErrorNotice error={reviews.error} onRetry={reviews.reload} />
        {reviews.loading && !reviews.data ? (
          <Spinner />
        ) : queue.length === 0 ? (
          <p className="muted">Nothing waiting for review.</p>
        ) : (
          <ul className="review-list">
            {queue.map((r) => (
              <li key={`${r.runId}:${r.stepId ?? ''}`}>
                <Link to={`/workflows/runs/${r.runId}`}>
                  <strong>{String(r.workflowName ?? r.workflow ?? 'Run')}</strong>
                  {r.stepId && <span className="muted"> · step {r.stepId}</span>}
                </Link>
                {r.message && <div className="small">{r.message}</div>}
                {r.startedBy && <span className="muted small">started by {r.startedBy}</span>}
                {r.canDecide === false && (
                  <span className="muted small">waiting for someone else's decision</span>
                )}
                <span className="muted small">{relative(r.createdAt ?? null)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <ErrorNotice error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? (
        <Spinner />
      ) : rows.length === 0 && !list.error ? (
        <Empty
          title="No workflows yet"
          action={
            mayEdit && (
              <Link className="btn btn-primary" to="/workflows/new">
                Write your first recipe
              </Link>
            )
          }
        >
          A workflow chains model calls, HTTP tools and review gates into a repeatable recipe.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Version</th>
                <th scope="col">Description</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((w) => (
                <tr key={w.id}>
                  <td>
                    <Link to={`/workflows/${w.id}`}>
                      <strong>{w.name}</strong>
                    </Link>
                  </td>
                  <td>v{w.version}</td>
                  <td className="muted">{w.description ?? ''}</td>
                  <td>{relative(w.updatedAt ?? w.createdAt ?? null)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}
