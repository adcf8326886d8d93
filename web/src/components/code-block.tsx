/** A copyable block of code: the text as is, and a Copy button that says when it copied. */
import { useState } from 'react'

export function CodeBlock({ code, label }: { code: string; label: string }) {
  const [copied, setCopied] = useState(false)
  const copy = async () => {
    await navigator.clipboard?.writeText(code)
    setCopied(true)
  }
  return (
    <section className="code-block" aria-label={label}>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls sideways must take focus so keyboard users can scroll it (axe scrollable-region-focusable) */}
      <pre tabIndex={0}>
        <code>{code}</code>
      </pre>
      <button
        type="button"
        className="btn btn-sm code-copy"
        onClick={() => void copy()}
        onBlur={() => setCopied(false)}
      >
        {copied ? 'Copied' : 'Copy'}
        <span className="sr-only"> {label}</span>
      </button>
    </section>
  )
}
