/**
 * The structure of a value without its content: types, object keys and array element shapes.
 * Compare uses it to answer "does swapping the provider keep the output structure?".
 * Integers and other numbers are one type (providers format numbers differently).
 * @module
 */
export type Shape =
  | { type: 'null' | 'boolean' | 'number' | 'string' }
  | { type: 'array'; items: Shape[] }
  | { type: 'object'; properties: Record<string, Shape> }

export function shapeOf(v: unknown): Shape {
  if (v === null || v === undefined) return { type: 'null' }
  if (Array.isArray(v)) {
    // Distinct element shapes, in first-seen order: ["a","b"] and ["c"] have the same shape.
    const items: Shape[] = []
    const seen = new Set<string>()
    for (const el of v) {
      const s = shapeOf(el)
      const k = JSON.stringify(s)
      if (!seen.has(k)) {
        seen.add(k)
        items.push(s)
      }
    }
    return { type: 'array', items }
  }
  if (typeof v === 'object') {
    const properties: Record<string, Shape> = {}
    for (const k of Object.keys(v).sort()) properties[k] = shapeOf((v as Record<string, unknown>)[k])
    return { type: 'object', properties }
  }
  if (typeof v === 'boolean') return { type: 'boolean' }
  if (typeof v === 'number') return { type: 'number' }
  return { type: 'string' }
}

export function sameShape(a: Shape, b: Shape): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
