/** Use/manage grants on one credential, for users, workspaces or tokens. */
import { type FormEvent, useState } from 'react'
import { del, get, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Credential, Grant, Page } from '../api/types.js'
import { useAsync } from '../lib/use-async.js'
import { Empty, ErrorNotice, Field, Spinner } from './ui.js'

export function GrantsPanel({ cred }: { cred: Credential }) {
  const base = `/api/v1/credentials/${cred.id}/grants`
  const me = useMe()
  const grants = useAsync((signal) => get<Page<Grant>>(base, { signal }), [base])
  // Who can be named: workspaces, members and tokens the caller may list (ids with labels).
  const subjects = useAsync(async (signal) => {
    const [members, tokens] = await Promise.all([
      get<Page<{ userId: string; email: string }>>('/api/v1/members', { signal }).catch(() => ({ data: [] })),
      get<Page<{ id: string; name: string; revokedAt?: string | null }>>('/api/v1/tokens', { signal }).catch(
        () => ({
          data: [],
        }),
      ),
    ])
    return {
      workspace: (me.workspaces ?? []).map((w) => ({ id: w.id, label: w.name })),
      user: members.data.map((m) => ({ id: m.userId, label: m.email })),
      token: tokens.data.filter((t) => !t.revokedAt).map((t) => ({ id: t.id, label: t.name })),
    }
  }, [])
  const label = (type: string | undefined, id: string | undefined) =>
    subjects.data?.[type as 'user']?.find((x) => x.id === id)?.label
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
                  {g.subjectType} <strong>{label(g.subjectType, g.subjectId) ?? ''}</strong>{' '}
                  <span className="mono small muted">{g.subjectId}</span>
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
        <Field label="Who">
          {(id) => (
            <>
              <input
                id={id}
                required
                list={`${id}-options`}
                placeholder="pick or paste an id"
                value={subjectId}
                onChange={(e) => setSubjectId(e.target.value)}
              />
              <datalist id={`${id}-options`}>
                {(subjects.data?.[subjectType] ?? []).map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.label}
                  </option>
                ))}
              </datalist>
            </>
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
