/**
 * Keys: provider credentials. The secret fields are write-only: they are cleared and unmounted
 * the moment the server answers, and the list shows only fingerprint and last 4.
 * @module
 */
import { useState } from 'react'
import { KINDS } from '../../../src/providers/kinds.js'
import { del, get, post, qs } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Credential, Page, UsageRow } from '../api/types.js'
import { Dialog } from '../components/dialog.js'
import { GrantsPanel } from '../components/grants-panel.js'
import { KeyForm } from '../components/key-form.js'
import { ReassignPanel } from '../components/reassign-panel.js'
import { num, RowButton, Table } from '../components/table.js'
import { Badge, Empty, errorText, Notice, PageHeader, PageList } from '../components/ui.js'
import { count, relative, usd } from '../lib/format.js'
import { type KeyTestResult, testFlash } from '../lib/key-test.js'
import { can } from '../lib/roles.js'
import { useAsync } from '../lib/use-async.js'

type Action = { kind: 'add' } | { kind: 'rotate' | 'grants' | 'reassign'; cred: Credential } | null

export function KeysPage() {
  const me = useMe()
  const list = useAsync((signal) => get<Page<Credential>>('/api/v1/credentials', { signal }), [])
  // Spend this month per key, from usage (everyone sees at least their own calls).
  const spend = useAsync(
    async (signal) => {
      const now = new Date()
      const from = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)
      const r = await get<Page<UsageRow>>(
        `/api/v1/usage${qs({ groupBy: 'credential', from: new Date(from).toISOString() })}`,
        { signal },
      ).catch(() => ({ data: [] as UsageRow[] }))
      return new Map(r.data.map((u) => [u.key, u]))
    },
    [list.data],
  )
  const [action, setAction] = useState<Action>(null)
  const [flash, setFlash] = useState<{ kind: 'success' | 'error'; text: string } | null>(null)
  const [busyId, setBusyId] = useState<string | null>(null)
  const mayCreate = can(me.principal, 'credentials:create')
  const mayManage = can(me.principal, 'credentials:manage')

  async function test(c: Credential) {
    setBusyId(c.id)
    setFlash(null)
    try {
      const r = await post<KeyTestResult>(`/api/v1/credentials/${c.id}/test`)
      setFlash(testFlash(c.name, r))
    } catch (e) {
      setFlash({ kind: 'error', text: `${c.name}: ${errorText(e)}` })
    } finally {
      setBusyId(null)
    }
  }

  async function revoke(c: Credential) {
    if (!confirm(`Revoke ${c.name}? Calls through it fail at once. This cannot be undone.`)) return
    setBusyId(c.id)
    try {
      await del(`/api/v1/credentials/${c.id}`)
      setFlash({ kind: 'success', text: `${c.name} revoked.` })
      list.reload()
    } catch (e) {
      setFlash({ kind: 'error', text: errorText(e) })
    } finally {
      setBusyId(null)
    }
  }

  const creds = list.data?.data ?? []
  return (
    <div className="page">
      <PageHeader
        title="Keys"
        subtitle="Provider keys are sealed at rest and never shown again. Use them through model names like name/model."
        actions={
          mayCreate && (
            <button type="button" className="btn btn-primary" onClick={() => setAction({ kind: 'add' })}>
              Add key
            </button>
          )
        }
      />
      {flash && (
        <Notice kind={flash.kind} onClose={() => setFlash(null)}>
          {flash.text}
        </Notice>
      )}
      <PageList
        state={list}
        empty={creds.length === 0}
        ifEmpty={
          <Empty
            title="No keys yet"
            action={
              mayCreate && (
                <button type="button" className="btn btn-primary" onClick={() => setAction({ kind: 'add' })}>
                  Add your first key
                </button>
              )
            }
          >
            Add a provider key (OpenAI, Anthropic, a sovereign host or a local server) to start chatting.
          </Empty>
        }
      >
        <Table
          columns={['Name', 'Provider', 'Scope', 'Key', num('Calls (month)'), num('Spend (month)')]}
          actions
          wrap
        >
          {creds.map((c) => (
            <tr key={c.id}>
              <td>
                <strong>{c.name}</strong>
              </td>
              <td>
                {KINDS[c.provider]?.label ?? c.provider}{' '}
                {c.category && <Badge tone={c.category}>{c.category}</Badge>}
                {c.region && <div className="muted small">region {c.region}</div>}
                {c.origins && c.origins.length > 0 && (
                  <div className="muted small mono" title="Origins this secret may be sent to">
                    → {c.origins.join(', ')}
                  </div>
                )}
              </td>
              <td>
                {c.scope ?? '—'}
                {c.disabledAt && (
                  <div title="Its owner left the organisation: nobody can use it until an owner reassigns it">
                    <Badge>disabled</Badge>
                  </div>
                )}
              </td>
              <td className="mono" title={c.fingerprint ? `fingerprint ${c.fingerprint}` : undefined}>
                {c.last4 ? `••••${c.last4}` : '—'} <span className="muted small">v{c.version ?? 1}</span>
                {c.fingerprint && <div className="muted small">{c.fingerprint.slice(0, 16)}</div>}
              </td>
              <td className="num" title={c.lastUsedAt ? `last used ${relative(c.lastUsedAt)}` : undefined}>
                {spend.data ? count(spend.data.get(c.id)?.requests ?? 0) : '—'}
              </td>
              <td className="num">
                {usd(c.spendThisMonthUsd ?? spend.data?.get(c.id)?.costUsd ?? (spend.data ? 0 : null))}
              </td>
              <td className="actions">
                {c.disabledAt && c.canManage && (
                  <>
                    {me.principal.role === 'owner' && (
                      <RowButton label="Reassign" onClick={() => setAction({ kind: 'reassign', cred: c })} />
                    )}
                    <RowButton
                      label="Revoke"
                      danger
                      disabled={busyId === c.id}
                      onClick={() => void revoke(c)}
                    />
                  </>
                )}
                {!c.disabledAt && (c.canManage ?? mayManage) && (
                  <>
                    <RowButton label="Test" disabled={busyId === c.id} onClick={() => void test(c)} />
                    <RowButton label="Rotate" onClick={() => setAction({ kind: 'rotate', cred: c })} />
                    <RowButton label="Access" onClick={() => setAction({ kind: 'grants', cred: c })} />
                    <RowButton
                      label="Revoke"
                      danger
                      disabled={busyId === c.id}
                      onClick={() => void revoke(c)}
                    />
                  </>
                )}
              </td>
            </tr>
          ))}
        </Table>
      </PageList>
      <Dialog open={action?.kind === 'add'} title="Add a provider key" onClose={() => setAction(null)} wide>
        <KeyForm
          mayManage={mayManage}
          onDone={(c) => {
            setAction(null)
            setFlash({
              kind: 'success',
              text: `${c.name} added (fingerprint ${c.fingerprint?.slice(0, 16) ?? '—'}).`,
            })
            list.reload()
          }}
        />
      </Dialog>
      <Dialog
        open={action?.kind === 'rotate'}
        title={action?.kind === 'rotate' ? `Rotate ${action.cred.name}` : 'Rotate'}
        onClose={() => setAction(null)}
      >
        {action?.kind === 'rotate' && (
          <KeyForm
            rotate={action.cred}
            mayManage={mayManage}
            onDone={(c) => {
              setAction(null)
              setFlash({ kind: 'success', text: `${c.name} rotated to version ${c.version ?? '?'}.` })
              list.reload()
            }}
          />
        )}
      </Dialog>
      <Dialog
        open={action?.kind === 'grants'}
        title={action?.kind === 'grants' ? `Who may use ${action.cred.name}` : 'Access'}
        onClose={() => setAction(null)}
        wide
      >
        {action?.kind === 'grants' && <GrantsPanel cred={action.cred} />}
      </Dialog>
      <Dialog
        open={action?.kind === 'reassign'}
        title={action?.kind === 'reassign' ? `Reassign ${action.cred.name}` : 'Reassign'}
        onClose={() => setAction(null)}
      >
        {action?.kind === 'reassign' && (
          <ReassignPanel
            cred={action.cred}
            onDone={() => {
              setFlash({ kind: 'success', text: `${action.cred.name} reassigned.` })
              setAction(null)
              list.reload()
            }}
          />
        )}
      </Dialog>
    </div>
  )
}
