/** Model picker fed by `/v1/models`, grouped by category (frontier / sovereign / local). */
import { get } from '../api/client.js'
import type { Credential, ModelInfo, Page } from '../api/types.js'
import { groupModels, type ModelGroup } from '../lib/models.js'
import { useAsync } from '../lib/use-async.js'

export function useModelGroups() {
  return useAsync(async (signal): Promise<ModelGroup[]> => {
    const [models, creds] = await Promise.all([
      get<Page<ModelInfo>>('/v1/models', { signal }),
      get<Page<Credential>>('/api/v1/credentials', { signal }).catch(() => ({ data: [] as Credential[] })),
    ])
    return groupModels(models.data ?? [], creds.data ?? [])
  }, [])
}

export function ModelSelect({
  id,
  groups,
  value,
  onChange,
  disabled,
  describedBy,
}: {
  id: string
  groups: ModelGroup[]
  value: string
  onChange: (m: string) => void
  disabled?: boolean
  describedBy?: string
}) {
  const known = groups.some((g) => g.models.some((m) => m.id === value))
  return (
    <select
      id={id}
      aria-describedby={describedBy}
      value={value}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value)}
    >
      {!value && <option value="">Choose a model…</option>}
      {value && !known && <option value={value}>{value} (unavailable)</option>}
      {groups.map((g) => (
        <optgroup key={g.category} label={g.label}>
          {g.models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.id}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  )
}
