/**
 * Page-side checks for the layout suite, run with page.evaluate. They are strings because this
 * folder compiles without the DOM lib.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

/**
 * Lists what sticks out sideways: the document or the main pane scrolling sideways, any element
 * past the viewport's right edge, and any element past the edges of its card, table box, dialog
 * or composer. Content inside its own scroll box (a wide table in `.table-wrap`, a code block) is
 * judged by that box, not by its own width: scrolling inside a card is allowed.
 */
const OVERFLOW = `(() => {
  const W = window.innerWidth
  const out = []
  const name = (el) => {
    let s = el.tagName.toLowerCase()
    if (typeof el.className === 'string' && el.className.trim()) s += '.' + el.className.trim().split(/\\s+/).join('.')
    const t = (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40)
    return t ? s + ' "' + t + '"' : s
  }
  const d = document.documentElement
  if (d.scrollWidth > W) out.push('document is ' + d.scrollWidth + 'px wide in a ' + W + 'px viewport')
  for (const el of document.querySelectorAll('main, .chat-main, .chat-messages, .page')) {
    if (el.scrollWidth > el.clientWidth + 1) out.push(name(el).slice(0, 30) + ' scrolls sideways: ' + el.scrollWidth + ' > ' + el.clientWidth)
  }
  const BOX = '.card, .table-wrap, .kpi, .auth-card, dialog[open], .composer, .compare-col'
  const PANE = new Set(['MAIN', 'BODY', 'HTML'])
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect()
    if (r.width < 2 || r.height < 2) continue
    const cs = getComputedStyle(el)
    if (cs.visibility === 'hidden' || cs.position === 'fixed' && r.right <= 0) continue
    let box = null
    let scroller = null
    for (let a = el.parentElement; a && !PANE.has(a.tagName); a = a.parentElement) {
      if (!box && a.matches(BOX)) box = a
      if (getComputedStyle(a).overflowX !== 'visible') { scroller = a; break }
    }
    // Inside a scroll box that is inside the card: that box is checked instead.
    if (scroller && (!box || box.contains(scroller))) continue
    if (r.right > W + 1) out.push(name(el) + ' ends at ' + Math.round(r.right) + 'px, past the ' + W + 'px viewport')
    else if (box) {
      const b = box.getBoundingClientRect()
      if (r.right > b.right + 1 || r.left < b.left - 1)
        out.push(name(el) + ' sticks out of its ' + name(box).slice(0, 40) + ' (' + Math.round(r.left) + '–' + Math.round(r.right) + ' vs ' + Math.round(b.left) + '–' + Math.round(b.right) + ')')
    }
  }
  return [...new Set(out)].slice(0, 15)
})()`

export function overflowProblems(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(OVERFLOW)
}

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** Serious and critical axe-core violations on the page as it is, one line per rule. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"')))
    await page.addScriptTag({ content: AXE })
  return page.evaluate<string[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 4).map((n) =>
        n.target.join(' ') + (n.any[0] && n.any[0].message ? ' — ' + n.any[0].message : '')).join(' | ')))`)
}

/** Raw ids of people, tokens and keys in the visible text of the page (they should read as names). */
export function rawIds(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(
    `[...new Set((document.querySelector('main, .auth-page')?.innerText ?? '').match(/\\b(usr|tok|cred)_[A-Za-z0-9]{8,}/g) ?? [])]`,
  )
}
