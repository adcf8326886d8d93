/**
 * Routes: the org's model aliases (weighted targets, ordered fallbacks, retries, timeouts,
 * strict/lenient translation) with each target's live breaker state and a dry run. Everyone
 * reads them; owners and admins create, edit and delete (the server enforces it).
 * @module
 */
import { useState } from 'react'
import { del, get } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Page } from '../api/types.js'
import { Dialog } from '../components/dialog.js'
import { useModelGroups } from '../components/model-picker.js'
import { RouteCard } from '../components/route-card.js'
import { RouteEditor } from '../components/route-editor.js'
import { Empty, ErrorNotice, Notice, PageHeader, PageList } from '../components/ui.js'
import { can } from '../lib/roles.js'
import type { RouteView } from '../lib/route-form.js'
import { useAction } from '../lib/use-action.js'
import { useAsync } from '../lib/use-async.js'
import '../pages.css'

type Editing = { route?: RouteView } | null

export function RoutesPage() {
  const me = useMe()
  const list = useAsync((signal) => get<Page<RouteView>>('/api/v1/routes', { signal }), [])
  const groups = useModelGroups()
  const [editing, setEditing] = useState<Editing>(null)
  const [flash, setFlash] = useState<string | null>(null)
  const remove = useAction()
  const mayManage = can(me.principal, 'routes:manage')
  const rows = list.data?.data ?? []
  const newRoute = mayManage && (
    <button type="button" className="btn btn-primary" onClick={() => setEditing({})}>
      New route
    </button>
  )
  return (
    <div className="page">
      <PageHeader
        title="Routes"
        subtitle="Aliases that spread calls over several models and fall back when one fails. Call them by alias, like any model."
        actions={newRoute}
      />
      {flash && (
        <Notice kind="success" onClose={() => setFlash(null)}>
          {flash}
        </Notice>
      )}
      <ErrorNotice error={remove.error} />
      <PageList
        state={list}
        empty={rows.length === 0}
        ifEmpty={
          <Empty title="No routes yet" action={newRoute}>
            A route such as <code>smart</code> sends each call to one of its targets by weight, retries, and
            moves on to the fallbacks when every target fails.
          </Empty>
        }
      >
        <ul className="route-cards">
          {rows.map((r) => (
            <RouteCard
              key={r.alias}
              route={r}
              mayManage={mayManage}
              onEdit={() => setEditing({ route: r })}
              onDelete={() =>
                void remove.run(async () => {
                  await del(`/api/v1/routes/${encodeURIComponent(r.alias)}`)
                  setFlash(`Route ${r.alias} deleted.`)
                  list.reload()
                })
              }
            />
          ))}
        </ul>
      </PageList>
      <Dialog
        open={editing !== null}
        wide
        title={editing?.route ? `Edit route ${editing.route.alias}` : 'New route'}
        onClose={() => setEditing(null)}
      >
        {editing && (
          <RouteEditor
            route={editing.route}
            groups={groups.data ?? []}
            onSaved={(alias) => {
              setEditing(null)
              setFlash(`Route ${alias} saved: calls use it at once.`)
              list.reload()
            }}
          />
        )}
      </Dialog>
    </div>
  )
}
