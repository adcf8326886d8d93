import { describe, expect, it } from 'vitest'
import { capRoles, meetRole, roleWithin } from '../../src/identity/authorize.js'
import { ROLES } from '../../src/identity/principal.js'

describe('role lattice', () => {
  it('meet is symmetric, idempotent and never above either side', () => {
    for (const a of ROLES) {
      expect(meetRole(a, a)).toBe(a)
      for (const b of ROLES) {
        const m = meetRole(a, b)
        expect(m).toBe(meetRole(b, a))
        if (m) expect(roleWithin(m, a) && roleWithin(m, b)).toBe(true)
      }
    }
  })

  it('auditor sits beside member: they share no role', () => {
    expect(meetRole('auditor', 'member')).toBeNull()
    expect(meetRole('auditor', 'admin')).toBe('auditor')
    expect(meetRole('auditor', 'owner')).toBe('auditor')
    expect(roleWithin('auditor', 'member')).toBe(false)
    expect(roleWithin('member', 'auditor')).toBe(false)
    expect(roleWithin('member', 'admin')).toBe(true)
  })

  it('a token role caps the org role and every workspace role; a bound token keeps its workspace only', () => {
    const user = { role: 'member' as const, workspaceRoles: { a: 'admin' as const, b: 'member' as const } }
    expect(capRoles('member', user, null)).toEqual({
      role: 'member',
      workspaceRoles: { a: 'member', b: 'member' },
    })
    expect(capRoles('admin', user, 'a')).toEqual({ role: 'member', workspaceRoles: { a: 'admin' } })
    expect(capRoles('auditor', user, null)).toBeNull()
    const auditor = {
      role: 'auditor' as const,
      workspaceRoles: { a: 'admin' as const, b: 'member' as const },
    }
    // auditor ∧ member has no role: that workspace entry is dropped, not kept at member.
    expect(capRoles('auditor', auditor, null)).toEqual({ role: 'auditor', workspaceRoles: { a: 'auditor' } })
  })
})
