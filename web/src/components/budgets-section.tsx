/** Budgets: spend limits per org, workspace, user, key or token; checked before each call. */
import { type FormEvent, useState } from 'react'
import { del, get, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Page } from '../api/types.js'
import { usd } from '../lib/format.js'
import { can } from '../lib/roles.js'
import { useAsync } from '../lib/use-async.js'
import { ErrorNotice, Field } from './ui.js'

interface Budget {
  id: string
  name?: string
  scope?: string
  scopeId?: string | null
  period?: string
  limitUsd?: number
  spentUsd?: number
  [k: string]: unknown
}

export function BudgetsSection() {
  const me = useMe()
  const list = useAsync((signal) => get<Page<Budget>>('/api/v1/budgets', { signal }), [])
  const [scope, setScope] = useState('org')
  const [scopeId, setScopeId] = useState('')
  const [period, setPeriod] = useState('month')
  const [limit, setLimit] = useState('')
  const [error, setError] = useState<unknown>()
  const manage = can(me.principal, 'budgets:manage')

  async function create(e: FormEvent) {
    e.preventDefault()
    setError(undefined)
    try {
      const body: Record<string, unknown> = { scope, period, limitUsd: Number(limit) }
      if (scope !== 'org') body.scopeId = scopeId.trim()
      await post('/api/v1/budgets', body)
      setLimit('')
      setScopeId('')
      list.reload()
    } catch (err) {
      setError(err)
    }
  }

  async function remove(b: Budget) {
    setError(undefined)
    try {
      await del(`/api/v1/budgets/${b.id}`)
      list.reload()
    } catch (err) {
      setError(err)
    }
  }

  return (
    <section className="card stack" aria-labelledby="budgets-h">
      <h2 id="budgets-h">Budgets</h2>
      <p className="muted">Calls that would pass a budget are refused before they reach the provider.</p>
      <ErrorNotice error={list.error ?? error} />
      {(list.data?.data ?? []).length === 0 ? (
        <p className="muted">No budgets.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col">Period</th>
              <th scope="col" className="num">
                Spent
              </th>
              <th scope="col" className="num">
                Limit
              </th>
              {manage && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {(list.data?.data ?? []).map((b) => (
              <tr key={b.id}>
                <td>
                  {b.name ?? b.scope}{' '}
                  {b.scope !== 'org' && <span className="mono small muted">{b.scopeId ?? ''}</span>}
                </td>
                <td>{b.period}</td>
                <td className="num">{usd(b.spentUsd ?? null)}</td>
                <td className="num">{usd(b.limitUsd ?? null)}</td>
                {manage && (
                  <td className="actions">
                    <button type="button" className="btn btn-sm btn-danger" onClick={() => void remove(b)}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <form className="row wrap align-end" onSubmit={create} aria-label="Add a budget">
          <Field label="Scope">
            {(id) => (
              <select id={id} value={scope} onChange={(e) => setScope(e.target.value)}>
                <option value="org">Organisation</option>
                <option value="workspace">Workspace</option>
                <option value="user">User</option>
                <option value="credential">Key</option>
                <option value="token">Access token</option>
              </select>
            )}
          </Field>
          {scope !== 'org' && (
            <Field label={`${scope} ID`}>
              {(id) => (
                <input id={id} required value={scopeId} onChange={(e) => setScopeId(e.target.value)} />
              )}
            </Field>
          )}
          <Field label="Period">
            {(id) => (
              <select id={id} value={period} onChange={(e) => setPeriod(e.target.value)}>
                <option value="day">Daily</option>
                <option value="month">Monthly</option>
              </select>
            )}
          </Field>
          <Field label="Limit (USD)">
            {(id) => (
              <input
                id={id}
                type="number"
                min={0}
                step="0.01"
                required
                value={limit}
                onChange={(e) => setLimit(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="btn btn-primary">
            Add budget
          </button>
        </form>
      )}
    </section>
  )
}
