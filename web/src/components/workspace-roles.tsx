/** A member's workspace roles: chips, remove, and add to another workspace (admins). */
import { useState } from 'react'
import { del, put } from '../api/client.js'
import type { Role, Workspace } from '../api/types.js'
import { errorText } from './ui.js'

// owner is an org-wide role only.
const ROLES: Role[] = ['member', 'admin', 'auditor']

export function WorkspaceRoles({
  userId,
  email,
  memberships,
  workspaces,
  manage,
  onChanged,
}: {
  userId: string
  email: string
  memberships: { id: string; role: Role }[]
  workspaces: Workspace[]
  manage: boolean
  onChanged: () => void
}) {
  const [adding, setAdding] = useState('')
  const [role, setRole] = useState<Role>('member')
  const [error, setError] = useState<string | null>(null)
  const name = (id: string) => workspaces.find((w) => w.id === id)?.name ?? id
  const free = workspaces.filter((w) => !memberships.some((m) => m.id === w.id))

  async function act(fn: () => Promise<unknown>) {
    setError(null)
    try {
      await fn()
      onChanged()
    } catch (e) {
      setError(errorText(e))
    }
  }

  return (
    <div className="ws-roles">
      {memberships.map((m) => (
        <span key={m.id} className="chip chip-sm">
          {name(m.id)} · {m.role}
          {manage && (
            <button
              type="button"
              className="btn-icon"
              aria-label={`Remove ${email} from ${name(m.id)}`}
              onClick={() => void act(() => del(`/api/v1/workspaces/${m.id}/members/${userId}`))}
            >
              ×
            </button>
          )}
        </span>
      ))}
      {manage && free.length > 0 && (
        <span className="row">
          <select
            aria-label={`Add ${email} to a workspace`}
            value={adding}
            onChange={(e) => setAdding(e.target.value)}
          >
            <option value="">+ workspace…</option>
            {free.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
          {adding && (
            <>
              <select
                aria-label="Workspace role"
                value={role}
                onChange={(e) => setRole(e.target.value as Role)}
              >
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
              <button
                type="button"
                className="btn btn-sm"
                onClick={() =>
                  void act(async () => {
                    await put(`/api/v1/workspaces/${adding}/members`, { userId, role })
                    setAdding('')
                  })
                }
              >
                Add
              </button>
            </>
          )}
        </span>
      )}
      {error && (
        <span className="field-msg" role="alert">
          {error}
        </span>
      )}
    </div>
  )
}
