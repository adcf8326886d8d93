/**
 * Form pieces on top of Field: labelled inputs, textareas and selects bound to a string value,
 * checkbox groups, the one-line add form and the closing submit row.
 * @module
 */
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react'
import { Field } from './ui.js'

interface Labelled<T extends string = string> {
  label: string
  hint?: ReactNode
  error?: string
  value: T
  onChange: (value: T) => void
}

type Rest<E> = Omit<E, 'id' | 'value' | 'onChange' | 'aria-describedby'>

/** What a bound control gets: its id, the ids that describe it, and the value binding. */
interface Bound {
  id: string
  'aria-describedby': string | undefined
  value: string
  onChange: (e: { target: { value: string } }) => void
}

/** Field around one control, given the props that tie it to the label and the value. */
function BoundField<T extends string>({
  field: { label, hint, error, value, onChange },
  control,
}: {
  field: Labelled<T>
  control: (bound: Bound) => ReactNode
}) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(id, d) =>
        control({ id, 'aria-describedby': d, value, onChange: (e) => onChange(e.target.value as T) })
      }
    </Field>
  )
}

/** Splits a field's own props from the ones meant for its control. */
function split<T extends string, P extends Labelled<T>>({ label, hint, error, value, onChange, ...rest }: P) {
  return [{ label, hint, error, value, onChange } as Labelled<T>, rest] as const
}

/** A labelled <input>; its hint and error are tied to it for screen readers. */
export function InputField(props: Labelled & Rest<InputHTMLAttributes<HTMLInputElement>>) {
  const [field, rest] = split(props)
  return <BoundField field={field} control={(bound) => <input {...rest} {...bound} />} />
}

/** A labelled <textarea>. */
export function TextAreaField(props: Labelled & Rest<TextareaHTMLAttributes<HTMLTextAreaElement>>) {
  const [field, rest] = split(props)
  return <BoundField field={field} control={(bound) => <textarea {...rest} {...bound} />} />
}

/** An option: its value, or a value with its own label. */
export type Option = string | { value: string; label: ReactNode }

/** A labelled <select> over a list of options. */
export function SelectField<T extends string>({
  options,
  ...props
}: Labelled<T> & { options: readonly Option[] } & Rest<SelectHTMLAttributes<HTMLSelectElement>>) {
  const [field, rest] = split<T, typeof props>(props)
  return (
    <BoundField
      field={field}
      control={(bound) => (
        <select {...rest} {...bound}>
          {options.map((o) => {
            const { value, label } = typeof o === 'string' ? { value: o, label: o } : o
            return (
              <option key={value} value={value}>
                {label}
              </option>
            )
          })}
        </select>
      )}
    />
  )
}

/** A group of checkboxes choosing a subset of `items`. */
export function CheckList({
  legend,
  items,
  value,
  onChange,
  render = (item) => item,
}: {
  legend: string
  items: readonly string[]
  value: string[]
  onChange: (value: string[]) => void
  /** How an item reads next to its box (default: as is). */
  render?: (item: string) => ReactNode
}) {
  return (
    <fieldset className="models-pick">
      <legend>{legend}</legend>
      {items.map((item) => (
        <label key={item} className="check-inline">
          <input
            type="checkbox"
            checked={value.includes(item)}
            onChange={(e) => onChange(e.target.checked ? [...value, item] : value.filter((x) => x !== item))}
          />
          {render(item)}
        </label>
      ))}
    </fieldset>
  )
}

/** A one-line add/create form: fields side by side, then the submit button. */
export function InlineForm({
  label,
  submit,
  primary = true,
  onSubmit,
  children,
}: {
  /** The form's accessible name. */
  label?: string
  /** The submit button's text. */
  submit: string
  primary?: boolean
  /** Called on submit, the page reload already prevented. */
  onSubmit: () => unknown
  children: ReactNode
}) {
  return (
    <form
      className="row wrap align-end"
      onSubmit={(e) => {
        e.preventDefault()
        void onSubmit()
      }}
      aria-label={label}
    >
      {children}
      <button type="submit" className={primary ? 'btn btn-primary' : 'btn'}>
        {submit}
      </button>
    </form>
  )
}

/** A form's closing row: the primary button at the end, its text swapped while busy. */
export function SubmitRow({
  label,
  busy,
  busyLabel,
  disabled,
  onClick,
}: {
  label: string
  busy?: boolean
  busyLabel?: string
  disabled?: boolean
  /** A plain button with this handler instead of a submit button. */
  onClick?: () => void
}) {
  return (
    <div className="row end">
      <button
        type={onClick ? 'button' : 'submit'}
        className="btn btn-primary"
        disabled={busy || disabled}
        onClick={onClick}
      >
        {busy && busyLabel ? busyLabel : label}
      </button>
    </div>
  )
}
