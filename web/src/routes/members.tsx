/** Members and roles, invites (link shown once), workspaces, access tokens (shown once). */
import { useState } from 'react'
import { del, get, patch, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Page, Role, Workspace } from '../api/types.js'
import { InlineForm, InputField, SelectField } from '../components/form-fields.js'
import { DangerCell, Table } from '../components/table.js'
import { TokensSection } from '../components/tokens-section.js'
import {
  Badge,
  Empty,
  ErrorNotice,
  Listing,
  PageHeader,
  Section,
  ShownOnce,
  StatusBadge,
} from '../components/ui.js'
import { WorkspaceRoles } from '../components/workspace-roles.js'
import { dateTime } from '../lib/format.js'
import { can } from '../lib/roles.js'
import { useAction } from '../lib/use-action.js'
import { type AsyncState, useAsync } from '../lib/use-async.js'
import { useForm } from '../lib/use-form.js'
import { useList } from '../lib/use-list.js'

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
  const list = useList<MemberRow>('/api/v1/members')
  const [form, set, reset] = useForm({ email: '', role: 'member' as Role })
  const [invite, setInvite] = useState<string | null>(null)
  const manage = can(me.principal, 'members:manage')
  const act = list.change

  const sendInvite = () =>
    act(async () => {
      const r = await post<{ inviteUrl: string; inviteToken?: string }>('/api/v1/members', {
        email: form.email.trim(),
        role: form.role,
      })
      // The server builds the link from LATCHKEY_URL; when that names no usable port (port 0:
      // an ephemeral listener), the address this page was opened at is the better guess.
      const serverUrl = new URL(r.inviteUrl)
      setInvite(
        serverUrl.port === '0' && r.inviteToken
          ? `${location.origin}/invite#token=${encodeURIComponent(r.inviteToken)}`
          : r.inviteUrl,
      )
      reset('email')
    })

  return (
    <Section id="members-h" title="Members">
      <ErrorNotice error={list.error} />
      {invite && (
        <ShownOnce
          label="Invite link (send it to the new member; valid 7 days)"
          value={invite}
          onDone={() => setInvite(null)}
        />
      )}
      <Listing
        loading={list.loading && !list.data}
        empty={list.rows.length === 0}
        ifEmpty={
          <Empty title="No members yet">Invite teammates by email; they get a link to set a password.</Empty>
        }
      >
        <Table columns={['Email', 'Role', 'Workspaces', 'Status', 'Joined']} actions={manage}>
          {list.rows.map((m) => (
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
                <DangerCell
                  label="Remove"
                  confirm={`Remove ${m.email} from the organisation?`}
                  onClick={() => void act(() => del(`/api/v1/members/${m.userId}`))}
                />
              )}
            </tr>
          ))}
        </Table>
      </Listing>
      {manage && (
        <InlineForm label="Invite a member" submit="Create invite" onSubmit={sendInvite}>
          <InputField
            label="Invite by email"
            type="email"
            required
            value={form.email}
            onChange={set('email')}
          />
          <SelectField
            label="Role"
            value={form.role}
            onChange={set('role')}
            options={ROLES.filter((r) => r !== 'owner' || me.principal.role === 'owner')}
          />
        </InlineForm>
      )}
    </Section>
  )
}

type WorkspaceList = AsyncState<Page<Workspace & { createdAt?: string }>>

function WorkspacesSection({ list }: { list: WorkspaceList }) {
  const me = useMe()
  const [name, setName] = useState('')
  const action = useAction()
  const manage = can(me.principal, 'workspaces:manage')

  const create = () =>
    action.run(async () => {
      await post('/api/v1/workspaces', { name: name.trim() })
      setName('')
      list.reload()
    })

  return (
    <Section id="ws-h" title="Workspaces">
      <ErrorNotice error={list.error ?? action.error} />
      <ul className="chips">
        {(list.data?.data ?? []).map((w) => (
          <li key={w.id} className="chip">
            <strong>{w.name}</strong> <span className="muted small mono">{w.id}</span>
          </li>
        ))}
      </ul>
      {manage && (
        <InlineForm label="Create a workspace" submit="Create" primary={false} onSubmit={create}>
          <InputField label="New workspace" required value={name} onChange={setName} />
        </InlineForm>
      )}
    </Section>
  )
}
