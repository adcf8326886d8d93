/** Access tokens: create (shown once), list by prefix, revoke. */
import { type FormEvent, useState } from 'react'
import { del, get, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { AccessToken, Page, Role } from '../api/types.js'
import { dateTime, relative } from '../lib/format.js'
import { useAsync } from '../lib/use-async.js'
import { Badge, ErrorNotice, Field, ShownOnce } from './ui.js'

const ROLES: Role[] = ['owner', 'admin', 'member', 'auditor']
/** Areas a token can be limited to (server: src/server/routes/tokens.ts). */
const SCOPES = [
  'gateway',
  'workflows',
  'compare',
  'reviews',
  'credentials',
  'usage',
  'audit',
  'routes',
  'budgets',
  'prices',
  'metrics',
]

export function TokensSection() {
  const me = useMe()
  const list = useAsync((signal) => get<Page<AccessToken>>('/api/v1/tokens', { signal }), [])
  const [name, setName] = useState('')
  const [role, setRole] = useState<Role>(me.principal.role === 'auditor' ? 'auditor' : 'member')
  const [days, setDays] = useState('90')
  const [scopes, setScopes] = useState<string[]>([])
  const [shown, setShown] = useState<string | null>(null)
  const [error, setError] = useState<unknown>()
  const rank: Record<Role, number> = { owner: 3, admin: 2, member: 1, auditor: 0 }
  const allowed = ROLES.filter((r) =>
    me.principal.role === 'auditor' ? r === 'auditor' : rank[r] <= rank[me.principal.role],
  )

  async function create(e: FormEvent) {
    e.preventDefault()
    setError(undefined)
    try {
      const body: Record<string, unknown> = { name: name.trim(), role }
      if (days) body.expiresInDays = Number(days)
      if (scopes.length) body.scopes = scopes
      const r = await post<{ token: string }>('/api/v1/tokens', body)
      setShown(r.token)
      setName('')
      setScopes([])
      list.reload()
    } catch (err) {
      setError(err)
    }
  }

  async function revoke(t: AccessToken) {
    if (!confirm(`Revoke token ${t.name}? Anything using it stops working at once.`)) return
    setError(undefined)
    try {
      await del(`/api/v1/tokens/${t.id}`)
      list.reload()
    } catch (err) {
      setError(err)
    }
  }

  const rows = (list.data?.data ?? []).filter((t) => !t.revokedAt)
  return (
    <section className="card" aria-labelledby="tok-h">
      <h2 id="tok-h">Access tokens</h2>
      <p className="muted">
        For SDKs, scripts and the CLI: use as <code>Authorization: Bearer lk_…</code> with base URL{' '}
        <code>{location.origin}/v1</code>.
      </p>
      <ErrorNotice error={list.error ?? error} />
      {shown && <ShownOnce label="New access token" value={shown} onDone={() => setShown(null)} />}
      {rows.length === 0 ? (
        <p className="muted">No active tokens.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Token</th>
              <th scope="col">Role</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td className="mono">{t.prefix}…</td>
                <td>
                  <Badge>{t.role}</Badge>
                  {(t.scopes ?? []).length > 0 && (
                    <span className="muted small"> {t.scopes!.join(', ')}</span>
                  )}
                </td>
                <td>{relative(t.lastUsedAt ?? null)}</td>
                <td>{t.expiresAt ? dateTime(t.expiresAt) : 'never'}</td>
                <td className="actions">
                  <button type="button" className="btn btn-sm btn-danger" onClick={() => void revoke(t)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="row wrap align-end" onSubmit={create} aria-label="Create an access token">
        <Field label="Token name">
          {(id) => (
            <input
              id={id}
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="ci-pipeline"
            />
          )}
        </Field>
        <Field label="Role">
          {(id) => (
            <select id={id} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {allowed.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Expires after (days)">
          {(id) => (
            <input
              id={id}
              type="number"
              min={1}
              max={3650}
              value={days}
              onChange={(e) => setDays(e.target.value)}
            />
          )}
        </Field>
        <fieldset className="models-pick">
          <legend>Limit to (optional; none = everything the role allows)</legend>
          {SCOPES.map((sc) => (
            <label key={sc} className="check-inline">
              <input
                type="checkbox"
                checked={scopes.includes(sc)}
                onChange={(e) =>
                  setScopes(e.target.checked ? [...scopes, sc] : scopes.filter((x) => x !== sc))
                }
              />
              {sc}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="btn btn-primary">
          Create token
        </button>
      </form>
    </section>
  )
}
