/**
 * Splits inline `<think>…</think>` reasoning out of `content` (MiniMax over `/v1`). Streaming
 * text can cut a tag anywhere, so the splitter holds back any suffix that could still be the
 * start of a tag until the next piece decides it.
 * @module
 */

const OPEN = '<think>'
const CLOSE = '</think>'

/** Length of the longest suffix of `s` that is a proper prefix of `tag`. */
function partialTagSuffix(s: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) {
    if (s.endsWith(tag.slice(0, n))) return n
  }
  return 0
}

export class ThinkSplitter {
  private inThink = false
  private held = ''
  /** The model puts a newline after `</think>`; drop leading whitespace of the answer. */
  private trimAnswer = false

  /** Feeds a piece of content; returns the text and reasoning it decided. */
  push(piece: string): { content: string; reasoning: string } {
    let s = this.held + piece
    this.held = ''
    let content = ''
    let reasoning = ''
    for (;;) {
      const tag = this.inThink ? CLOSE : OPEN
      const at = s.indexOf(tag)
      if (at === -1) {
        const keep = partialTagSuffix(s, tag)
        const out = s.slice(0, s.length - keep)
        this.held = s.slice(s.length - keep)
        if (this.inThink) reasoning += out
        else content += this.answer(out)
        break
      }
      if (this.inThink) reasoning += s.slice(0, at)
      else content += this.answer(s.slice(0, at))
      s = s.slice(at + tag.length)
      this.inThink = !this.inThink
      if (!this.inThink) this.trimAnswer = true
    }
    return { content, reasoning }
  }

  private answer(text: string): string {
    if (!this.trimAnswer) return text
    const t = text.replace(/^\s+/, '')
    if (t) this.trimAnswer = false
    return t
  }

  /** Whatever is still held back at the end of the stream. */
  flush(): { content: string; reasoning: string } {
    const rest = this.held
    this.held = ''
    return this.inThink ? { content: '', reasoning: rest } : { content: rest, reasoning: '' }
  }
}

/** Whole-text split (non-streamed responses). */
export function splitThink(text: string): { content: string; reasoning: string } {
  const s = new ThinkSplitter()
  const a = s.push(text)
  const b = s.flush()
  return { content: a.content + b.content, reasoning: a.reasoning + b.reasoning }
}
