/**
 * A plain textarea with a line-number gutter that marks lines with errors. Tab inserts two
 * spaces; Escape then Tab leaves the field (keyboard users are never trapped).
 * @module
 */
import { type KeyboardEvent, useRef } from 'react'
import type { LineError } from '../lib/recipe.js'

export function YamlEditor({
  id,
  value,
  onChange,
  errors,
  readOnly,
  describedBy,
}: {
  id: string
  value: string
  onChange: (v: string) => void
  errors: LineError[]
  readOnly?: boolean
  describedBy?: string
}) {
  const gutter = useRef<HTMLDivElement>(null)
  const escaped = useRef(false)
  const lines = value.split('\n').length
  const bad = new Map(errors.map((e) => [e.line, e.message]))

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Escape') {
      escaped.current = true
      return
    }
    if (e.key === 'Tab' && !e.shiftKey && !escaped.current && !readOnly) {
      e.preventDefault()
      const t = e.currentTarget
      const { selectionStart: s, selectionEnd: end } = t
      const next = `${value.slice(0, s)}  ${value.slice(end)}`
      onChange(next)
      requestAnimationFrame(() => t.setSelectionRange(s + 2, s + 2))
      return
    }
    escaped.current = false
  }

  return (
    <div className={`editor${errors.length ? ' editor-bad' : ''}`}>
      <div className="editor-gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: lines }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the line number is the identity
          <div key={i} className={bad.has(i + 1) ? 'bad' : undefined} title={bad.get(i + 1)}>
            {i + 1}
          </div>
        ))}
      </div>
      <textarea
        id={id}
        className="editor-text mono"
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        wrap="off"
        readOnly={readOnly}
        aria-describedby={describedBy}
        aria-invalid={errors.length > 0}
        value={value}
        rows={Math.max(16, Math.min(lines + 2, 40))}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKey}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop
        }}
      />
    </div>
  )
}
