/** Members and roles, invites (link shown once), workspaces, access tokens (shown once). */
import { type FormEvent, useState } from 'react'
import { del, get, patch, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Page, Role, Workspace } from '../api/types.js'
import { TokensSection } from '../components/tokens-section.js'
import {
  Badge,
  Empty,
  ErrorNotice,
  Field,
  PageHeader,
  ShownOnce,
  Spinner,
  StatusBadge,
} from '../components/ui.js'
import { WorkspaceRoles } from '../components/workspace-roles.js'
import { dateTime } from '../lib/format.js'
import { can } from '../lib/roles.js'
import { type AsyncState, useAsync } from '../lib/use-async.js'

const ROLES: Role[] = ['owner', 'admin', 'member', 'auditor']

interface MemberRow {
  userId: string
  email: string
  name: string | null
  role: Role
  status: string
  joinedAt: string
  workspaces: { id: string; role: Role }[]
}

export function MembersPage() {
  const me = useMe()
  // Shared by the members table (workspace roles) and the workspaces list (create refreshes both).
  const workspaces = useAsync(
    (signal) => get<Page<Workspace & { createdAt?: string }>>('/api/v1/workspaces', { signal }),
    [],
  )
  return (
    <div className="page">
      <PageHeader
        title="Members & access"
        subtitle="Who can use this Latchkey, with which role, and their access tokens."
      />
      {can(me.principal, 'members:read') && <MembersSection workspaces={workspaces.data?.data ?? []} />}
      <WorkspacesSection list={workspaces} />
      <TokensSection />
    </div>
  )
}

function MembersSection({ workspaces }: { workspaces: Workspace[] }) {
  const me = useMe()
  const list = useAsync((signal) => get<Page<MemberRow>>('/api/v1/members', { signal }), [])
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('member')
  const [invite, setInvite] = useState<string | null>(null)
  const [error, setError] = useState<unknown>()
  const manage = can(me.principal, 'members:manage')

  async function sendInvite(e: FormEvent) {
    e.preventDefault()
    setError(undefined)
    try {
      const r = await post<{ inviteUrl: string; inviteToken?: string }>('/api/v1/members', {
        email: email.trim(),
        role,
      })
      // The server builds the link from LATCHKEY_URL; when that names no usable port (port 0:
      // an ephemeral listener), the address this page was opened at is the better guess.
      const serverUrl = new URL(r.inviteUrl)
      setInvite(
        serverUrl.port === '0' && r.inviteToken
          ? `${location.origin}/invite#token=${encodeURIComponent(r.inviteToken)}`
          : r.inviteUrl,
      )
      setEmail('')
      list.reload()
    } catch (err) {
      setError(err)
    }
  }

  async function act(fn: () => Promise<unknown>) {
    setError(undefined)
    try {
      await fn()
      list.reload()
    } catch (err) {
      setError(err)
    }
  }

  const rows = list.data?.data ?? []
  return (
    <section className="card" aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      <ErrorNotice error={list.error ?? error} />
      {invite && (
        <ShownOnce
          label="Invite link (send it to the new member; valid 7 days)"
          value={invite}
          onDone={() => setInvite(null)}
        />
      )}
      {list.loading && !list.data ? (
        <Spinner />
      ) : rows.length === 0 ? (
        <Empty title="No members yet">Invite teammates by email; they get a link to set a password.</Empty>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Workspaces</th>
              <th scope="col">Status</th>
              <th scope="col">Joined</th>
              {manage && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => (
              <tr key={m.userId}>
                <td>
                  {m.email}
                  {m.name && <div className="muted small">{m.name}</div>}
                </td>
                <td>
                  {manage ? (
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      onChange={(e) =>
                        void act(() => patch(`/api/v1/members/${m.userId}`, { role: e.target.value }))
                      }
                    >
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  ) : (
                    <Badge>{m.role}</Badge>
                  )}
                </td>
                <td>
                  <WorkspaceRoles
                    userId={m.userId}
                    email={m.email}
                    memberships={m.workspaces}
                    workspaces={workspaces}
                    manage={manage}
                    onChanged={list.reload}
                  />
                </td>
                <td>
                  <StatusBadge status={m.status} />
                </td>
                <td>{dateTime(m.joinedAt)}</td>
                {manage && (
                  <td className="actions">
                    <button
                      type="button"
                      className="btn btn-sm btn-danger"
                      onClick={() => {
                        if (confirm(`Remove ${m.email} from the organisation?`))
                          void act(() => del(`/api/v1/members/${m.userId}`))
                      }}
                    >
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <form className="row wrap align-end" onSubmit={sendInvite} aria-label="Invite a member">
          <Field label="Invite by email">
            {(id) => (
              <input id={id} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            )}
          </Field>
          <Field label="Role">
            {(id) => (
              <select id={id} value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES.filter((r) => r !== 'owner' || me.principal.role === 'owner').map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="btn btn-primary">
            Create invite
          </button>
        </form>
      )}
    </section>
  )
}

type WorkspaceList = AsyncState<Page<Workspace & { createdAt?: string }>>

function WorkspacesSection({ list }: { list: WorkspaceList }) {
  const me = useMe()
  const [name, setName] = useState('')
  const [error, setError] = useState<unknown>()
  const manage = can(me.principal, 'workspaces:manage')

  async function create(e: FormEvent) {
    e.preventDefault()
    setError(undefined)
    try {
      await post('/api/v1/workspaces', { name: name.trim() })
      setName('')
      list.reload()
    } catch (err) {
      setError(err)
    }
  }

  return (
    <section className="card" aria-labelledby="ws-h">
      <h2 id="ws-h">Workspaces</h2>
      <ErrorNotice error={list.error ?? error} />
      <ul className="chips">
        {(list.data?.data ?? []).map((w) => (
          <li key={w.id} className="chip">
            <strong>{w.name}</strong> <span className="muted small mono">{w.id}</span>
          </li>
        ))}
      </ul>
      {manage && (
        <form className="row wrap align-end" onSubmit={create} aria-label="Create a workspace">
          <Field label="New workspace">
            {(id) => <input id={id} required value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <button type="submit" className="btn">
            Create
          </button>
        </form>
      )}
    </section>
  )
}
