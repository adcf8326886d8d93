/**
 * Add or rotate a provider key. Fields follow the kind (src/providers/kinds.ts): base URL and
 * region where they apply; Azure, Bedrock and Vertex take structured secrets; an http-secret
 * (a value for workflow tool headers) takes the origins it may be sent to instead of a base
 * URL. Secret inputs are write-only: state is wiped on success and the form unmounts with the
 * dialog.
 * @module
 */
import { type FormEvent, useMemo, useState } from 'react'
import { KINDS, type KindInfo } from '../../../src/providers/kinds.js'
import { post } from '../api/client.js'
import type { Credential } from '../api/types.js'
import { useAction } from '../lib/use-action.js'
import { InputField, SelectField, SubmitRow } from './form-fields.js'
import { ErrorNotice, Field } from './ui.js'

type Secrets = Record<string, string>

/** Structured secret fields per kind (mirrors src/vault/secret-material.ts). */
const SECRET_FIELDS: Record<
  string,
  { key: string; label: string; optional?: boolean; multiline?: boolean; hint?: string }[]
> = {
  'azure-openai': [
    { key: 'apiKey', label: 'API key' },
    {
      key: 'apiVersion',
      label: 'API version',
      optional: true,
      hint: 'e.g. 2024-10-21; leave empty for the v1 API',
    },
  ],
  bedrock: [
    { key: 'accessKeyId', label: 'Access key ID', optional: true },
    { key: 'secretAccessKey', label: 'Secret access key', optional: true },
    { key: 'sessionToken', label: 'Session token', optional: true },
    { key: 'apiKey', label: 'Bedrock API key', optional: true, hint: 'Instead of the access key pair' },
  ],
  vertex: [
    { key: 'serviceAccount', label: 'Service account JSON', multiline: true },
    { key: 'project', label: 'Project ID', optional: true },
    { key: 'location', label: 'Location', optional: true, hint: 'e.g. us-central1, europe-west4, global' },
  ],
}

/** Plain (non-secret) fields of a structured secret, shown as normal text inputs. */
const PLAIN = new Set(['apiVersion', 'project', 'location'])

export function buildSecretBody(kind: KindInfo, apiKey: string, secrets: Secrets): Record<string, unknown> {
  if (kind.secret !== 'secret') return apiKey ? { apiKey } : {}
  const secret: Record<string, string> = {}
  for (const f of SECRET_FIELDS[kind.kind] ?? []) {
    const v = secrets[f.key]?.trim()
    if (v) secret[f.key] = v
  }
  return { secret }
}

function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((m) => m.trim())
    .filter(Boolean)
}

/** Who may use a key; only managers may share one beyond themselves. */
const SCOPES = [
  { value: 'personal', label: 'Personal (only me)' },
  { value: 'workspace', label: 'Workspace' },
  { value: 'org', label: 'Whole organisation' },
]

const KIND_LIST = Object.values(KINDS).sort((a, b) =>
  a.category === b.category ? a.label.localeCompare(b.label) : a.category.localeCompare(b.category),
)

export function KeyForm({
  rotate,
  mayManage,
  onDone,
}: {
  rotate?: Credential
  mayManage: boolean
  onDone: (c: Credential) => void
}) {
  const [provider, setProvider] = useState(rotate?.provider ?? 'openai')
  const kind = KINDS[provider] ?? KINDS.openai!
  const [name, setName] = useState('')
  const [baseUrl, setBaseUrl] = useState('')
  const [region, setRegion] = useState('')
  const [scope, setScope] = useState(mayManage ? 'org' : 'personal')
  const [models, setModels] = useState('')
  const [origins, setOrigins] = useState('')
  const toolSecret = provider === 'http-secret'
  const [apiKey, setApiKey] = useState('')
  const [secrets, setSecrets] = useState<Secrets>({})
  const action = useAction()
  const regions = useMemo(() => Object.keys(kind.regions ?? {}), [kind])

  function submit(e: FormEvent) {
    e.preventDefault()
    void action.run(async () => {
      const secretBody = buildSecretBody(kind, apiKey.trim(), secrets)
      let c: Credential
      if (rotate) {
        c = await post<Credential>(`/api/v1/credentials/${rotate.id}/rotate`, secretBody)
      } else {
        const body: Record<string, unknown> = { name: name.trim(), provider, scope, ...secretBody }
        if (toolSecret) body.origins = splitList(origins)
        else if (baseUrl.trim()) body.baseUrl = baseUrl.trim()
        if (region) body.region = region
        const ms = toolSecret ? [] : splitList(models)
        if (ms.length) body.models = ms
        c = await post<Credential>('/api/v1/credentials', body)
      }
      // Forget the secret at once; the dialog unmounts these inputs next.
      setApiKey('')
      setSecrets({})
      onDone(c)
    })
  }

  const secretInputs =
    kind.secret === 'secret' ? (
      (SECRET_FIELDS[kind.kind] ?? []).map((f) => (
        <Field key={f.key} label={f.label + (f.optional ? ' (optional)' : '')} hint={f.hint}>
          {(id, d) =>
            f.multiline ? (
              <textarea
                id={id}
                aria-describedby={d}
                rows={5}
                className="mono secret-text"
                autoComplete="off"
                spellCheck={false}
                required={!f.optional}
                value={secrets[f.key] ?? ''}
                onChange={(e) => setSecrets((s) => ({ ...s, [f.key]: e.target.value }))}
              />
            ) : (
              <input
                id={id}
                aria-describedby={d}
                type={PLAIN.has(f.key) ? 'text' : 'password'}
                autoComplete="off"
                spellCheck={false}
                required={!f.optional}
                value={secrets[f.key] ?? ''}
                onChange={(e) => setSecrets((s) => ({ ...s, [f.key]: e.target.value }))}
              />
            )
          }
        </Field>
      ))
    ) : (
      <Field
        label={
          toolSecret ? 'Secret value' : kind.secret === 'apiKeyOptional' ? 'API key (optional)' : 'API key'
        }
        hint="Write-only: sealed on the server and never shown again."
      >
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            type="password"
            autoComplete="off"
            spellCheck={false}
            required={kind.secret === 'apiKey'}
            className="mono"
            value={apiKey}
            onChange={(e) => setApiKey(e.target.value)}
          />
        )}
      </Field>
    )

  return (
    <form className="stack" onSubmit={submit}>
      {!rotate && (
        <div className="grid-2">
          <InputField
            label="Name"
            hint="Used in model names: name/model-id"
            required
            pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
            placeholder="openai-prod"
            value={name}
            onChange={setName}
          />
          <Field label="Provider">
            {(id) => (
              <select
                id={id}
                value={provider}
                onChange={(e) => {
                  setProvider(e.target.value)
                  setRegion('')
                  setSecrets({})
                }}
              >
                {(['frontier', 'sovereign', 'local'] as const).map((cat) => (
                  <optgroup key={cat} label={cat[0]!.toUpperCase() + cat.slice(1)}>
                    {KIND_LIST.filter((k) => k.category === cat).map((k) => (
                      <option key={k.kind} value={k.kind}>
                        {k.label}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            )}
          </Field>
          {regions.length > 0 && (
            <SelectField
              label="Region"
              value={region}
              onChange={setRegion}
              options={[{ value: '', label: 'Default' }, ...regions]}
            />
          )}
          {toolSecret ? (
            <InputField
              label="Allowed origins"
              hint="Where workflow tools may send it, comma-separated: scheme://host[:port], no path"
              required
              placeholder="https://hooks.example.com"
              value={origins}
              onChange={setOrigins}
            />
          ) : (
            <InputField
              label={kind.baseUrlRequired ? 'Base URL' : 'Base URL (optional)'}
              hint={
                kind.defaultBaseUrl ? `Default ${kind.defaultBaseUrl}` : 'Include the version path, e.g. …/v1'
              }
              type="url"
              required={kind.baseUrlRequired}
              placeholder={kind.defaultBaseUrl ?? 'http://127.0.0.1:8000/v1'}
              value={baseUrl}
              onChange={setBaseUrl}
            />
          )}
          <SelectField
            label="Scope"
            hint="Who may use it"
            value={scope}
            onChange={setScope}
            options={mayManage ? SCOPES : SCOPES.slice(0, 1)}
          />
          {!toolSecret && (
            <InputField
              label="Models (optional)"
              hint="Limit to these upstream model ids, comma-separated"
              value={models}
              onChange={setModels}
            />
          )}
        </div>
      )}
      {rotate && (
        <p className="muted">
          Calls that start after rotation use the new key at once; calls already sent finish on the old one.
        </p>
      )}
      {secretInputs}
      <ErrorNotice error={action.error} />
      <SubmitRow label={rotate ? 'Rotate key' : 'Add key'} busy={action.busy} busyLabel="Saving…" />
    </form>
  )
}
