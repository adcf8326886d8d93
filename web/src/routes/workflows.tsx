/** Workflows: recipe list, editor, runs and the review queue (sub-routes under /workflows). */
import { Link, Route, Routes, useNavigate } from 'react-router'
import { get } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Page, Review, WorkflowSummary } from '../api/types.js'
import { RunView } from '../components/run-view.js'
import { Table } from '../components/table.js'
import { Badge, Empty, ErrorNotice, Listing, PageHeader, PageList, Section } from '../components/ui.js'
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
      <Section
        id="reviews-h"
        title={<>Review queue {queue.length > 0 && <Badge tone="warn">{queue.length}</Badge>}</>}
      >
        <ErrorNotice error={reviews.error} onRetry={reviews.reload} />
        <Listing
          loading={reviews.loading && !reviews.data}
          empty={queue.length === 0}
          ifEmpty="Nothing waiting for review."
        >
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
        </Listing>
      </Section>
      <PageList
        state={list}
        empty={rows.length === 0}
        ifEmpty={
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
        }
      >
        <Table columns={['Name', 'Version', 'Description', 'Updated']} wrap>
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
        </Table>
      </PageList>
    </div>
  )
}
