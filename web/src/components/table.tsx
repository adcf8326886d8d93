/** Data tables: the header row from a list of columns, and the small buttons in a row's actions cell. */
import type { ReactNode } from 'react'

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
  /** Lets a wide table scroll sideways inside its own box. */
  wrap?: boolean
  /** The body rows. */
  children: ReactNode
}) {
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
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  )
  return wrap ? <div className="table-wrap">{table}</div> : table
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
