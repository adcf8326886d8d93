/**
 * "Connect an app": snippets for the usual clients filled with this server's address and a
 * chosen model, plus a button that creates a gateway-only token (shown once). The snippets
 * read the token from LATCHKEY_TOKEN, so copying one never copies a secret.
 * @module
 */
import { useState } from 'react'
import { post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { ModelEntry } from '../api/types.js'
import { can } from '../lib/roles.js'
import { type ClientId, snippets, tokenExport } from '../lib/snippets.js'
import { useAction } from '../lib/use-action.js'
import { CodeBlock } from './code-block.js'
import { ErrorNotice, Section, ShownOnce } from './ui.js'

export function ConnectPanel({ models }: { models: ModelEntry[] }) {
  const me = useMe()
  const chat = models.filter((m) => m.mode === 'chat')
  const [model, setModel] = useState('')
  const [client, setClient] = useState<ClientId>('curl')
  const [token, setToken] = useState<string | null>(null)
  const create = useAction()
  const chosen = model || chat[0]?.id || 'CREDENTIAL/MODEL'
  const all = snippets(location.origin, chosen)
  const shown = all.find((s) => s.id === client) ?? all[0]!
  // Tokens act as their role: an auditor's could call nothing.
  const mayCreate = can(me.principal, 'gateway:use')

  const newToken = () =>
    create.run(async () => {
      const day = new Date().toISOString().slice(0, 10)
      const r = await post<{ token: string }>('/api/v1/tokens', {
        name: `app ${day}`,
        scopes: ['gateway'],
        expiresInDays: 90,
      })
      setToken(r.token)
    })

  return (
    <Section id="connect-h" title="Connect an app">
      <p className="muted">
        Point any OpenAI- or Anthropic-compatible client at this server. Base URL{' '}
        <code>{location.origin}/v1</code> (Anthropic clients: <code>{location.origin}</code>), an access token
        as the key, and a model from the list above.
      </p>
      <div className="row wrap align-end">
        <div className="field">
          <label htmlFor="connect-model">Model</label>
          <select id="connect-model" value={chosen} onChange={(e) => setModel(e.target.value)}>
            {chat.length === 0 && <option value={chosen}>{chosen}</option>}
            {chat.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
              </option>
            ))}
          </select>
        </div>
      </div>
      <fieldset className="client-tabs">
        <legend className="sr-only">Client</legend>
        {all.map((s) => (
          <button
            key={s.id}
            type="button"
            className={s.id === client ? 'btn btn-sm on' : 'btn btn-sm'}
            aria-pressed={s.id === client}
            onClick={() => setClient(s.id)}
          >
            {s.label}
          </button>
        ))}
      </fieldset>
      <CodeBlock label="token variable" code={tokenExport(token)} />
      <CodeBlock label={`${shown.label} snippet`} code={shown.code} />
      <ErrorNotice error={create.error} />
      {token ? (
        <ShownOnce label="New gateway token" value={token} onDone={() => setToken(null)} />
      ) : (
        mayCreate && (
          <div className="row wrap">
            <button
              type="button"
              className="btn btn-primary"
              disabled={create.busy}
              onClick={() => void newToken()}
            >
              {create.busy ? 'Creating…' : 'Create a token for this app'}
            </button>
            <span className="muted small">
              Gateway calls only, expires in 90 days; revoke it under Members.
            </span>
          </div>
        )
      )}
    </Section>
  )
}
