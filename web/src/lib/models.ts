/** Groups `/v1/models` entries by category for the model pickers. */
import type { Category, Credential, ModelInfo } from '../api/types.js'

export const CATEGORY_LABEL: Record<Category | 'other', string> = {
  frontier: 'Frontier',
  sovereign: 'Sovereign',
  local: 'Local',
  other: 'Other',
}

/** The credential-name prefix of `<credential>/<model>` ids (route aliases have none). */
export function credentialOf(modelId: string): string | null {
  const i = modelId.indexOf('/')
  return i > 0 ? modelId.slice(0, i) : null
}

/** A model's category: its own field, its `latchkey` extension, or its credential's category. */
export function categoryOf(m: ModelInfo, credentials: Credential[] = []): Category | 'other' {
  const direct = m.category ?? (m.latchkey as { category?: Category } | undefined)?.category
  if (direct) return direct
  const cred = credentialOf(m.id)
  const c = credentials.find((x) => x.name === cred)
  return c?.category ?? 'other'
}

export interface ModelGroup {
  category: Category | 'other'
  label: string
  models: ModelInfo[]
}

const ORDER: (Category | 'other')[] = ['frontier', 'sovereign', 'local', 'other']

/** Whether a chat or compare picker may offer the model (embedders, speech, images may not). */
export function isChatModel(m: Pick<ModelInfo, 'mode'>): boolean {
  return m.mode === undefined || m.mode === 'chat'
}

/** Chat models grouped by category, sorted by id within each group. */
export function groupModels(models: ModelInfo[], credentials: Credential[] = []): ModelGroup[] {
  const by = new Map<Category | 'other', ModelInfo[]>()
  for (const m of models.filter(isChatModel)) {
    const c = categoryOf(m, credentials)
    by.set(c, [...(by.get(c) ?? []), m])
  }
  return ORDER.filter((c) => by.has(c)).map((c) => ({
    category: c,
    label: CATEGORY_LABEL[c],
    models: [...by.get(c)!].sort((a, b) => a.id.localeCompare(b.id)),
  }))
}
