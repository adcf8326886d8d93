/** Markdown for model answers: marked → DOMPurify (no scripts, styles or event handlers). */
import DOMPurify from 'dompurify'
import { Marked } from 'marked'
import { useMemo } from 'react'

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]!)

/**
 * Raw HTML in model output is shown as text, never parsed: a model quoting `<img onerror=…>`
 * gets its words on screen, and no markup of its own reaches the sanitiser or the page.
 */
const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    html(token) {
      return escapeHtml(token.text)
    },
  },
})

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  // Links from model output open outside the app and never get the opener.
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', 'noopener noreferrer nofollow')
  }
})

export function renderMarkdown(text: string): string {
  const html = marked.parse(text) as string
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'img'],
    FORBID_ATTR: ['style'],
  })
}

export function Markdown({ text }: { text: string }) {
  const html = useMemo(() => renderMarkdown(text), [text])
  // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by DOMPurify above
  return <div className="md" dangerouslySetInnerHTML={{ __html: html }} />
}
