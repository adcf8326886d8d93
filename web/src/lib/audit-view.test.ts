import { describe, expect, it } from 'vitest'
import type { AuditRecord } from '../api/types.js'
import { actorName, csvRows, modelName, withoutInternal } from './audit-view.js'
import { toCsv } from './csv.js'

const rec: AuditRecord = {
  id: 'aud_1',
  seq: 3,
  ts: 1,
  actor: 'tok_1',
  action: 'gateway.call',
  credentialId: 'cred_1',
  model: 'claude-sonnet',
  inputShape: { chars: 10, params: ['max_tokens', '__latchkey_anthropic_request'], __latchkey_x: 1 },
}

describe('audit view', () => {
  it('hides internal markers in shapes, keeps the rest', () => {
    expect(withoutInternal(rec.inputShape)).toEqual({ chars: 10, params: ['max_tokens'] })
  })

  it('shows names for actors and keys, ids when unknown', () => {
    const names = { tok_1: 'ci (token of ana@example.com)', cred_1: 'anthropic-eu' }
    expect(actorName(rec, names)).toBe('ci (token of ana@example.com)')
    expect(modelName(rec, names)).toBe('anthropic-eu/claude-sonnet')
    expect(actorName(rec, {})).toBe('tok_1')
    expect(modelName(rec, {})).toBe('claude-sonnet')
  })

  it('exports names and ids side by side, without internal markers', () => {
    const csv = toCsv(csvRows([rec], { tok_1: 'ci', cred_1: 'anthropic-eu' }))
    const [head, line] = csv.trim().split('\r\n')
    expect(head!.split(',').slice(0, 6)).toEqual([
      'seq',
      'ts',
      'actor',
      'actorName',
      'credentialId',
      'credentialName',
    ])
    expect(line!.startsWith('3,1,tok_1,ci,cred_1,anthropic-eu,')).toBe(true)
    expect(csv).not.toContain('__latchkey')
  })
})
