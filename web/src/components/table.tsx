/** Data tables: the header row from a list of columns, and the small buttons in a row's actions cell. */
import { type ReactNode, useEffect, useRef, useState } from 'react'

/** A column heading; `num` right-aligns it (and its cells use className="num"). */
export type Column = string | { label: string; num: true }

/** A right-aligned, numeric column. */
export const num = (label: string): Column => ({ label, num: true })

export function Table({
  columns,
  actions,
  dense,
  wrap,
  children,
}: {
  columns: Column[]
  /** Adds a last, unlabelled column for row buttons. */
  actions?: boolean
  dense?: boolean
  /**
   * Draws the table in its own bordered box (a table standing alone on a page). Either way a
   * table wider than its place scrolls sideways inside it, with the actions column pinned.
   */
  wrap?: boolean
  /** The body rows. */
  children: ReactNode
}) {
  const labels = columns.map((c) => (typeof c === 'string' ? c : c.label))
  const { ref, scrolls } = useTableBox(labels.join('\n'))
  const table = (
    <table className={dense ? 'table table-dense' : 'table'}>
      <thead>
        <tr>
          {columns.map((c) =>
            typeof c === 'string' ? (
              <th key={c} scope="col">
                {c}
              </th>
            ) : (
              <th key={c.label} scope="col" className="num">
                {c.label}
              </th>
            ),
          )}
          {actions && (
            <th scope="col" className="actions">
              <span className="sr-only">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  )
  return (
    <div
      ref={ref}
      className={wrap ? 'table-wrap' : 'table-scroll'}
      // Keyboard users scroll a table that is wider than its box by focusing the box.
      {...(scrolls ? { tabIndex: 0, role: 'group', 'aria-label': `Table: ${labels.join(', ')}` } : {})}
    >
      {table}
    </div>
  )
}

/**
 * Gives every body cell its column's heading as `data-label`, which the phone layout shows
 * beside the value when rows turn into cards (rows come from many pages, so the table labels
 * them, and again whenever rows change); and tells whether the table is wider than its box.
 */
function useTableBox(labelKey: string) {
  const ref = useRef<HTMLDivElement>(null)
  const [scrolls, setScrolls] = useState(false)
  useEffect(() => {
    const box = ref.current
    const body = box?.querySelector('tbody')
    if (!box || !body) return
    const labels = labelKey.split('\n')
    const label = () => {
      for (const tr of body.rows) {
        let i = 0
        for (const td of tr.cells) {
          if (td.colSpan === 1 && labels[i]) td.dataset.label = labels[i]
          i += td.colSpan
        }
      }
    }
    const measure = () => setScrolls(box.scrollWidth > box.clientWidth + 1)
    label()
    measure()
    const rows = new MutationObserver(label)
    rows.observe(body, { childList: true, subtree: true })
    const size = new ResizeObserver(measure)
    size.observe(box)
    size.observe(body)
    return () => {
      rows.disconnect()
      size.disconnect()
    }
  }, [labelKey])
  return { ref, scrolls }
}

/** A small button in a row's actions cell; `danger` for destructive ones. */
export function RowButton({
  label,
  danger,
  disabled,
  onClick,
}: {
  label: string
  danger?: boolean
  disabled?: boolean
  onClick: () => void
}) {
  return (
    <button
      type="button"
      className={danger ? 'btn btn-sm btn-danger' : 'btn btn-sm'}
      disabled={disabled}
      onClick={onClick}
    >
      {label}
    </button>
  )
}

/** The actions cell of a row with one danger button (Delete, Remove, Revoke); with `confirm`, asks that first. */
export function DangerCell({
  label,
  confirm: question,
  onClick,
}: {
  label: string
  confirm?: string
  onClick: () => void
}) {
  return (
    <td className="actions">
      <RowButton
        label={label}
        danger
        onClick={() => {
          if (question === undefined || window.confirm(question)) onClick()
        }}
      />
    </td>
  )
}
