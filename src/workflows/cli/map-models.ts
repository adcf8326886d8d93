/**
 * Points a recipe at the caller's own credentials before it is saved: `--map openai=my-key`
 * swaps the credential part of every `openai/…` step model, `--set step.model=cred/model`
 * replaces one step's model. Both edit the YAML text in place (nothing else changes), so the
 * server validates the recipe as it will run — a shipped example runs unedited against
 * whatever credentials the caller has. Unchanged text is returned as is (same hash, so the
 * saved workflow is reused).
 * @module
 */
import { isScalar, isSeq, parseDocument } from 'yaml'

/** `--map from=to` (repeatable) → {from: to}. */
export function parseMaps(maps: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of maps) {
    const x = /^([^=/\s]+)=([^=/\s]+)$/.exec(m)
    if (!x)
      throw new Error(`--map ${m}: expected <recipe credential>=<your credential>, e.g. openai=my-openai`)
    out[x[1]!] = x[2]!
  }
  return out
}

export function applyModelChoices(
  yaml: string,
  maps: Record<string, string>,
  sets: Record<string, string>,
): string {
  if (Object.keys(maps).length === 0 && Object.keys(sets).length === 0) return yaml
  const doc = parseDocument(yaml)
  const steps = doc.get('steps')
  const count = isSeq(steps) ? steps.items.length : 0
  const used = new Set<string>()
  // Edits of the source text at each model scalar's range: re-serialising the document
  // would re-flow prompts and flow lists, and the saved recipe should differ only in models.
  const edits: { start: number; end: number; text: string }[] = []
  for (let i = 0; i < count; i++) {
    const id = doc.getIn(['steps', i, 'id'])
    const node = doc.getIn(['steps', i, 'model'], true)
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) continue
    const model = node.value
    let next = model
    if (typeof id === 'string' && sets[id] !== undefined) {
      next = sets[id]
      used.add(`set:${id}`)
    } else {
      const slash = model.indexOf('/')
      const to = slash > 0 ? maps[model.slice(0, slash)] : undefined
      if (to !== undefined) {
        next = `${to}${model.slice(slash)}`
        used.add(`map:${model.slice(0, slash)}`)
      }
    }
    if (next === model) continue
    const text = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/.test(next) ? next : JSON.stringify(next)
    edits.push({ start: node.range[0], end: node.range[1], text })
  }
  for (const from of Object.keys(maps))
    if (!used.has(`map:${from}`))
      throw new Error(`--map ${from}=…: no step of the recipe uses credential ${from}`)
  for (const step of Object.keys(sets))
    if (!used.has(`set:${step}`)) throw new Error(`--set ${step}.model: the recipe has no model step ${step}`)
  let out = yaml
  for (const e of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end)
  return out
}
