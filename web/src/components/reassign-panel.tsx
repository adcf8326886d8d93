/**
 * Hands a disabled personal key (its owner left the org) to an active member. Owners only; the
 * key itself is never shown or re-entered, and the server audits the move.
 */
import { useState } from 'react'
import { get, post } from '../api/client.js'
import type { Credential, Page } from '../api/types.js'
import { useAction } from '../lib/use-action.js'
import { useAsync } from '../lib/use-async.js'
import { InlineForm, SelectField } from './form-fields.js'
import { ErrorNotice } from './ui.js'

export function ReassignPanel({ cred, onDone }: { cred: Credential; onDone: () => void }) {
  const members = useAsync(
    (signal) =>
      get<Page<{ userId: string; email: string; status: string }>>('/api/v1/members', { signal }).then((r) =>
        r.data.filter((m) => m.status === 'active' && m.userId !== cred.ownerUserId),
      ),
    [],
  )
  const [userId, setUserId] = useState('')
  const action = useAction()
  const options = [
    { value: '', label: 'Choose a member…' },
    ...(members.data ?? []).map((m) => ({ value: m.userId, label: m.email })),
  ]
  return (
    <div className="stack">
      <p className="muted">
        Its owner left the organisation, so nobody can use {cred.name}. Give it to a member (they may then use
        it as their own personal key), or revoke it.
      </p>
      <InlineForm
        label="Reassign key"
        submit="Reassign"
        onSubmit={() =>
          userId &&
          void action.run(async () => {
            await post(`/api/v1/credentials/${cred.id}/reassign`, { userId })
            onDone()
          })
        }
      >
        <SelectField label="New owner" value={userId} onChange={setUserId} options={options} />
      </InlineForm>
      <ErrorNotice error={action.error ?? members.error} />
    </div>
  )
}
