/**
 * Journal lines in groups of at most ~48 KB. One string for a whole batch or a busy
 * event-loop turn (hundreds of KB) would be a large-object allocation: fresh pages and page
 * faults, several µs per line on a small VM — ten times the cost of a few regular-sized
 * strings.
 * @module
 */
const CHUNK_CHARS = 48 * 1024

/** Consecutive groups of `lines`, each joined with newlines (no trailing one). */
export function chunked(lines: string[]): string[] {
  if (lines.length === 0) return []
  const out: string[] = []
  let from = 0
  let size = 0
  for (let i = 0; i < lines.length; i++) {
    size += lines[i]!.length + 1
    if (size >= CHUNK_CHARS || i === lines.length - 1) {
      out.push(from === 0 && i === lines.length - 1 ? lines.join('\n') : lines.slice(from, i + 1).join('\n'))
      from = i + 1
      size = 0
    }
  }
  return out
}
