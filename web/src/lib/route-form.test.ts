import { describe, expect, it } from 'vitest'
import { emptyRouteForm, formOf, move, routeBody, routeFormErrors, shares } from './route-form.js'

describe('route form', () => {
  it('round-trips a stored route into the body the server takes', () => {
    const stored = {
      alias: 'smart',
      targets: [{ model: 'a/x', weight: 3 }, { model: 'b/x' }],
      fallbacks: [{ model: 'c/y' }],
      retry: { attempts: 3, backoffMs: 250 },
      timeoutMs: 30_000,
      deadlineMs: null,
      mode: 'lenient' as const,
    }
    expect(routeBody(formOf(stored))).toEqual({
      alias: 'smart',
      targets: [
        { model: 'a/x', weight: 3 },
        { model: 'b/x', weight: 1 },
      ],
      fallbacks: [{ model: 'c/y' }],
      retry: { attempts: 3, backoffMs: 250 },
      timeoutMs: 30_000,
      mode: 'lenient',
    })
  })

  it('leaves out what was left empty (server defaults apply)', () => {
    const f = { ...emptyRouteForm(), alias: 'a', targets: [{ model: 'a/x', weight: '' }] }
    expect(routeBody(f)).toEqual({ alias: 'a', targets: [{ model: 'a/x' }], fallbacks: [] })
  })

  it('names each bad field the way the server does', () => {
    const f = {
      ...emptyRouteForm(),
      alias: 'has/slash',
      targets: [{ model: '', weight: '-1' }],
      fallbacks: [''],
      attempts: '11',
      timeoutMs: '5',
    }
    expect(Object.keys(routeFormErrors(f)).sort()).toEqual([
      'alias',
      'fallbacks.0.model',
      'retry.attempts',
      'targets.0.model',
      'targets.0.weight',
      'timeoutMs',
    ])
    expect(
      routeFormErrors({ ...emptyRouteForm(), alias: 'ok', targets: [{ model: 'a/x', weight: '2' }] }),
    ).toEqual({})
  })

  it('shares follow the weights; fallbacks move in order', () => {
    expect(shares([{ weight: 3 }, {}])).toEqual([75, 25])
    expect(shares([{ weight: 0 }])).toEqual([0])
    expect(move(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b'])
    expect(move(['a', 'b'], 0, -1)).toEqual(['a', 'b'])
  })
})
