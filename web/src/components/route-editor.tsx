/**
 * Create or edit a route alias: weighted targets, ordered fallbacks, retries, timeout and
 * strict/lenient translation. Models come from the chat pickers' list (no embedders, no
 * aliases: a route's targets are `<key>/<model>`). Server refusals show at their field.
 * @module
 */
import { useState } from 'react'
import { ApiError, post, put } from '../api/client.js'
import type { ModelGroup } from '../lib/models.js'
import {
  emptyRouteForm,
  formOf,
  move,
  type RouteForm,
  type RouteView,
  routeBody,
  routeFormErrors,
} from '../lib/route-form.js'
import { useAction } from '../lib/use-action.js'
import { ModelSelect } from './model-picker.js'
import { ErrorNotice } from './ui.js'

/** The number fields: form key, the server's field path (for its errors), label and hint. */
const NUMBERS = [
  { key: 'attempts', param: 'retry.attempts', label: 'Tries per target', hint: 'default 2' },
  { key: 'backoffMs', param: 'retry.backoffMs', label: 'Backoff ms', hint: 'doubles per retry' },
  { key: 'timeoutMs', param: 'timeoutMs', label: 'Timeout ms', hint: 'per attempt, default 120000' },
] as const

export function RouteEditor({
  route,
  groups,
  onSaved,
}: {
  /** The route to edit; absent to create one. */
  route?: RouteView
  groups: ModelGroup[]
  onSaved: (alias: string) => void
}) {
  const [f, setF] = useState<RouteForm>(route ? formOf(route) : emptyRouteForm())
  const [shown, setShown] = useState<Record<string, string>>({})
  const save = useAction()
  // Targets are keys' models; aliases cannot be nested.
  const models = groups
    .map((g) => ({ ...g, models: g.models.filter((m) => m.id.includes('/')) }))
    .filter((g) => g.models.length)
  const set = (patch: Partial<RouteForm>) => setF((x) => ({ ...x, ...patch }))
  const err = (k: string) => shown[k]

  const submit = () => {
    const errors = routeFormErrors(f)
    setShown(errors)
    if (Object.keys(errors).length) return
    void save.run(async () => {
      try {
        if (route) await put(`/api/v1/routes/${encodeURIComponent(route.alias)}`, routeBody(f))
        else await post('/api/v1/routes', routeBody(f))
      } catch (e) {
        if (e instanceof ApiError && e.param) setShown({ [e.param]: e.message })
        throw e
      }
      onSaved(f.alias.trim())
    })
  }

  return (
    <form
      className="stack route-editor"
      aria-label={route ? `Edit route ${route.alias}` : 'New route'}
      onSubmit={(e) => {
        e.preventDefault()
        submit()
      }}
    >
      <div className={`field${err('alias') ? ' field-error' : ''}`}>
        <label htmlFor="route-alias">Alias</label>
        <input
          id="route-alias"
          value={f.alias}
          readOnly={!!route}
          aria-describedby="route-alias-hint"
          onChange={(e) => set({ alias: e.target.value })}
          placeholder="smart"
        />
        <div id="route-alias-hint" className="field-hint">
          {err('alias') ?? 'Callers use it as the model name, e.g. "model": "smart".'}
        </div>
      </div>

      <fieldset className="route-list">
        <legend>Targets (weighted: each call starts at one, picked by weight)</legend>
        {f.targets.map((t, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows keep no state of their own (all of it is in the form), so a row is its position
          <div key={i} className="route-row">
            <div className={`field grow${err(`targets.${i}.model`) ? ' field-error' : ''}`}>
              <label htmlFor={`rt-t${i}`}>Target {i + 1} model</label>
              <ModelSelect
                id={`rt-t${i}`}
                groups={models}
                value={t.model}
                onChange={(model) =>
                  set({ targets: f.targets.map((x, j) => (j === i ? { ...x, model } : x)) })
                }
              />
              {err(`targets.${i}.model`) && <div className="field-msg">{err(`targets.${i}.model`)}</div>}
            </div>
            <div className={`field weight${err(`targets.${i}.weight`) ? ' field-error' : ''}`}>
              <label htmlFor={`rt-w${i}`}>Weight</label>
              <input
                id={`rt-w${i}`}
                inputMode="decimal"
                value={t.weight}
                onChange={(e) =>
                  set({ targets: f.targets.map((x, j) => (j === i ? { ...x, weight: e.target.value } : x)) })
                }
              />
            </div>
            <button
              type="button"
              className="btn btn-sm"
              disabled={f.targets.length === 1}
              aria-label={`Remove target ${i + 1}`}
              onClick={() => set({ targets: f.targets.filter((_, j) => j !== i) })}
            >
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          className="btn btn-sm"
          disabled={f.targets.length >= 20}
          onClick={() => set({ targets: [...f.targets, { model: '', weight: '1' }] })}
        >
          Add target
        </button>
      </fieldset>

      <fieldset className="route-list">
        <legend>Fallbacks (tried in this order when every target failed)</legend>
        {f.fallbacks.length === 0 && <p className="muted small">None.</p>}
        {f.fallbacks.map((m, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows keep no state of their own (all of it is in the form), so a row is its position
          <div key={i} className="route-row">
            <div className={`field grow${err(`fallbacks.${i}.model`) ? ' field-error' : ''}`}>
              <label htmlFor={`rt-f${i}`}>Fallback {i + 1} model</label>
              <ModelSelect
                id={`rt-f${i}`}
                groups={models}
                value={m}
                onChange={(model) => set({ fallbacks: f.fallbacks.map((x, j) => (j === i ? model : x)) })}
              />
              {err(`fallbacks.${i}.model`) && <div className="field-msg">{err(`fallbacks.${i}.model`)}</div>}
            </div>
            <button
              type="button"
              className="btn btn-sm"
              disabled={i === 0}
              aria-label={`Move fallback ${i + 1} up`}
              onClick={() => set({ fallbacks: move(f.fallbacks, i, -1) })}
            >
              ↑
            </button>
            <button
              type="button"
              className="btn btn-sm"
              aria-label={`Remove fallback ${i + 1}`}
              onClick={() => set({ fallbacks: f.fallbacks.filter((_, j) => j !== i) })}
            >
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          className="btn btn-sm"
          disabled={f.fallbacks.length >= 20}
          onClick={() => set({ fallbacks: [...f.fallbacks, ''] })}
        >
          Add fallback
        </button>
      </fieldset>

      <div className="route-numbers">
        {NUMBERS.map((n) => (
          <Num
            key={n.key}
            id={`rt-${n.key}`}
            label={n.label}
            hint={n.hint}
            value={f[n.key]}
            error={err(n.param)}
            onChange={(v) => set({ [n.key]: v })}
          />
        ))}
        <div className="field">
          <label htmlFor="rt-mode">Translation</label>
          <select
            id="rt-mode"
            value={f.mode}
            onChange={(e) => set({ mode: e.target.value as RouteForm['mode'] })}
          >
            <option value="">default</option>
            <option value="strict">strict: refuse what a target cannot honour</option>
            <option value="lenient">lenient: drop it, with a warning header</option>
          </select>
        </div>
      </div>
      <ErrorNotice error={save.error} />
      <div className="row end">
        <button type="submit" className="btn btn-primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : route ? 'Save route' : 'Create route'}
        </button>
      </div>
    </form>
  )
}

function Num(props: {
  id: string
  label: string
  hint: string
  value: string
  error?: string
  onChange: (v: string) => void
}) {
  return (
    <div className={`field${props.error ? ' field-error' : ''}`}>
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        inputMode="numeric"
        value={props.value}
        aria-describedby={`${props.id}-hint`}
        onChange={(e) => props.onChange(e.target.value)}
      />
      <div id={`${props.id}-hint`} className={props.error ? 'field-msg' : 'field-hint'}>
        {props.error ?? props.hint}
      </div>
    </div>
  )
}
