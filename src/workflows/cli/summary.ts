/** Human-readable run summaries for stderr (stdout carries only the output JSON). */
import { renderTable } from '../../cli/output.js'
import type { RunJson } from './api-client.js'

export function usd(v: number | null): string {
  return v == null ? 'n/a' : `$${v.toFixed(v < 0.01 ? 6 : 4)}`
}

export function runSummary(r: RunJson): string {
  const rows = r.steps.map((s) => [
    s.id,
    s.model ?? (s.kind === 'review' ? '(review)' : s.kind === 'tool' ? '(tool)' : '-'),
    s.status,
    s.usage ? `${s.usage.inputTokens}/${s.usage.outputTokens}` : '-',
    s.costUsd == null ? '-' : usd(s.costUsd),
    s.latencyMs == null ? '-' : `${s.latencyMs}ms`,
  ])
  const head = ['step', 'model', 'status', 'tokens in/out', 'cost', 'latency']
  const out = [`run ${r.id}: ${r.status}`, renderTable(head, rows).trimEnd()]
  out.push(`total: ${r.usage.inputTokens}/${r.usage.outputTokens} tokens, ${usd(r.costUsd)}`)
  if (r.error) out.push(`error: ${r.error}`)
  return `${out.join('\n')}\n`
}
