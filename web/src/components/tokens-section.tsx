/** Access tokens: create (shown once), list by prefix, revoke. */
import { useState } from 'react'
import { del, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { AccessToken, Role } from '../api/types.js'
import { dateTime, relative } from '../lib/format.js'
import { tokenRolesFor } from '../lib/roles.js'
import { useForm } from '../lib/use-form.js'
import { useList } from '../lib/use-list.js'
import { CheckList, InlineForm, InputField, SelectField } from './form-fields.js'
import { DangerCell, Table } from './table.js'
import { Badge, ErrorNotice, Listing, Section, ShownOnce } from './ui.js'

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
  const tokens = useList<AccessToken>('/api/v1/tokens')
  const [form, set, reset] = useForm({
    name: '',
    role: (me.principal.role === 'auditor' ? 'auditor' : 'member') as Role,
    days: '90',
    scopes: [] as string[],
  })
  const [shown, setShown] = useState<string | null>(null)
  const allowed = tokenRolesFor(me.principal)

  const create = () =>
    tokens.change(async () => {
      const body: Record<string, unknown> = { name: form.name.trim(), role: form.role }
      if (form.days) body.expiresInDays = Number(form.days)
      if (form.scopes.length) body.scopes = form.scopes
      const r = await post<{ token: string }>('/api/v1/tokens', body)
      setShown(r.token)
      reset('name', 'scopes')
    })

  const rows = tokens.rows.filter((t) => !t.revokedAt)
  return (
    <Section id="tok-h" title="Access tokens">
      <p className="muted">
        For SDKs, scripts and the CLI: use as <code>Authorization: Bearer lk_…</code> with base URL{' '}
        <code>{location.origin}/v1</code>.
      </p>
      <ErrorNotice error={tokens.error} />
      {shown && <ShownOnce label="New access token" value={shown} onDone={() => setShown(null)} />}
      <Listing empty={rows.length === 0} ifEmpty="No active tokens.">
        <Table columns={['Name', 'Token', 'Role', 'Last used', 'Expires']} actions>
          {rows.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td className="mono">{t.prefix}…</td>
              <td>
                <Badge>{t.role}</Badge>
                {(t.scopes ?? []).length > 0 && <span className="muted small"> {t.scopes!.join(', ')}</span>}
              </td>
              <td>{relative(t.lastUsedAt ?? null)}</td>
              <td>{t.expiresAt ? dateTime(t.expiresAt) : 'never'}</td>
              <DangerCell
                label="Revoke"
                confirm={`Revoke token ${t.name}? Anything using it stops working at once.`}
                onClick={() => void tokens.change(() => del(`/api/v1/tokens/${t.id}`))}
              />
            </tr>
          ))}
        </Table>
      </Listing>
      <InlineForm label="Create an access token" submit="Create token" onSubmit={create}>
        <InputField
          label="Token name"
          required
          value={form.name}
          onChange={set('name')}
          placeholder="ci-pipeline"
        />
        <SelectField label="Role" value={form.role} onChange={set('role')} options={allowed} />
        <InputField
          label="Expires after (days)"
          type="number"
          min={1}
          max={3650}
          value={form.days}
          onChange={set('days')}
        />
        <CheckList
          legend="Limit to (optional; none = everything the role allows)"
          items={SCOPES}
          value={form.scopes}
          onChange={set('scopes')}
        />
      </InlineForm>
    </Section>
  )
}
