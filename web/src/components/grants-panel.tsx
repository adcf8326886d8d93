/** Use/manage grants on one credential, for users, workspaces or tokens. */
import { type FormEvent, useState } from 'react'
import { del, get, post } from '../api/client.js'
import type { Credential, Grant, Page } from '../api/types.js'
import { useAsync } from '../lib/use-async.js'
import { Empty, ErrorNotice, Field, Spinner } from './ui.js'

export function GrantsPanel({ cred }: { cred: Credential }) {
  const base = `/api/v1/credentials/${cred.id}/grants`
  const grants = useAsync((signal) => get<Page<Grant>>(base, { signal }), [base])
  const [subjectType, setSubjectType] = useState<'user' | 'workspace' | 'token'>('workspace')
  const [subjectId, setSubjectId] = useState('')
  const [right, setRight] = useState<'use' | 'manage'>('use')
  const [error, setError] = useState<unknown>()

  async function add(e: FormEvent) {
    e.preventDefault()
    setError(undefined)
    try {
      await post(base, { subjectType, subjectId: subjectId.trim(), right })
      setSubjectId('')
      grants.reload()
    } catch (err) {
      setError(err)
    }
  }

  async function remove(g: Grant) {
    setError(undefined)
    try {
      if (g.id) await del(`${base}/${g.id}`)
      else await del(base, { subjectType: g.subjectType, subjectId: g.subjectId, right: g.right })
      grants.reload()
    } catch (err) {
      setError(err)
    }
  }

  const rows = grants.data?.data ?? []
  return (
    <div className="stack">
      <ErrorNotice error={grants.error ?? error} />
      {grants.loading && !grants.data ? (
        <Spinner />
      ) : rows.length === 0 ? (
        <Empty title="No extra grants">The key's scope decides who may use it.</Empty>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Right</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((g, i) => (
              <tr key={g.id ?? i}>
                <td>
                  {g.subjectType} <span className="mono">{String(g.subjectName ?? g.subjectId ?? '')}</span>
                </td>
                <td>{g.right}</td>
                <td className="actions">
                  <button type="button" className="btn btn-sm btn-danger" onClick={() => void remove(g)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="row wrap align-end" onSubmit={add}>
        <Field label="Grant to">
          {(id) => (
            <select
              id={id}
              value={subjectType}
              onChange={(e) => setSubjectType(e.target.value as typeof subjectType)}
            >
              <option value="workspace">Workspace</option>
              <option value="user">User</option>
              <option value="token">Access token</option>
            </select>
          )}
        </Field>
        <Field label="ID">
          {(id) => (
            <input id={id} required value={subjectId} onChange={(e) => setSubjectId(e.target.value)} />
          )}
        </Field>
        <Field label="Right">
          {(id) => (
            <select id={id} value={right} onChange={(e) => setRight(e.target.value as typeof right)}>
              <option value="use">Use</option>
              <option value="manage">Manage</option>
            </select>
          )}
        </Field>
        <button type="submit" className="btn btn-primary">
          Grant
        </button>
      </form>
    </div>
  )
}
