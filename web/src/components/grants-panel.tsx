/** Use/manage grants on one credential, for users, workspaces or tokens. */
import { del, get, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Credential, Grant, Page } from '../api/types.js'
import { useAsync } from '../lib/use-async.js'
import { useForm } from '../lib/use-form.js'
import { useList } from '../lib/use-list.js'
import { InlineForm, SelectField } from './form-fields.js'
import { DangerCell, Table } from './table.js'
import { Empty, ErrorNotice, Field, Listing } from './ui.js'

const SUBJECT_TYPES = [
  { value: 'workspace', label: 'Workspace' },
  { value: 'user', label: 'User' },
  { value: 'token', label: 'Access token' },
] as const
const RIGHTS = [
  { value: 'use', label: 'Use' },
  { value: 'manage', label: 'Manage' },
] as const

export function GrantsPanel({ cred }: { cred: Credential }) {
  const base = `/api/v1/credentials/${cred.id}/grants`
  const me = useMe()
  const grants = useList<Grant>(base)
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
  const [form, set, reset] = useForm({
    subjectType: 'workspace' as 'user' | 'workspace' | 'token',
    subjectId: '',
    right: 'use' as 'use' | 'manage',
  })

  const add = () =>
    grants.change(async () => {
      await post(base, { ...form, subjectId: form.subjectId.trim() })
      reset('subjectId')
    })

  const remove = (g: Grant) =>
    grants.change(() =>
      g.id
        ? del(`${base}/${g.id}`)
        : del(base, { subjectType: g.subjectType, subjectId: g.subjectId, right: g.right }),
    )

  return (
    <div className="stack">
      <ErrorNotice error={grants.error} />
      <Listing
        loading={grants.loading && !grants.data}
        empty={grants.rows.length === 0}
        ifEmpty={<Empty title="No extra grants">The key's scope decides who may use it.</Empty>}
      >
        <Table columns={['Who', 'Right']} actions>
          {grants.rows.map((g, i) => (
            <tr key={g.id ?? i}>
              <td title={g.subjectId}>
                {g.subjectType}{' '}
                {label(g.subjectType, g.subjectId) ? (
                  <strong>{label(g.subjectType, g.subjectId)}</strong>
                ) : (
                  <span className="mono small muted">{g.subjectId}</span>
                )}
              </td>
              <td>{g.right}</td>
              <DangerCell label="Remove" onClick={() => void remove(g)} />
            </tr>
          ))}
        </Table>
      </Listing>
      <InlineForm submit="Grant" onSubmit={add}>
        <SelectField
          label="Grant to"
          value={form.subjectType}
          onChange={set('subjectType')}
          options={SUBJECT_TYPES}
        />
        <Field label="Who">
          {(id) => (
            <>
              <input
                id={id}
                required
                list={`${id}-options`}
                placeholder="pick or paste an id"
                value={form.subjectId}
                onChange={(e) => set('subjectId')(e.target.value)}
              />
              <datalist id={`${id}-options`}>
                {(subjects.data?.[form.subjectType] ?? []).map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.label}
                  </option>
                ))}
              </datalist>
            </>
          )}
        </Field>
        <SelectField label="Right" value={form.right} onChange={set('right')} options={RIGHTS} />
      </InlineForm>
    </div>
  )
}
