/**
 * Parse errors that quote what they parsed. V8's JSON.parse messages carry a fragment of the
 * input (`Unexpected token 'C', "CANARY…" is not valid JSON`), and the input is an upstream's
 * body: whatever it echoed (a prompt, a key sent back, another tenant's data) would reach the
 * logs with the error. Only the error class survives.
 * @module
 */

const WITHHELD = 'message withheld (it quotes the text that failed to parse)'

/** The cause to keep for a failed parse of upstream text: its class, none of its message. */
export function parseFailure(err: unknown): Error {
  const name = err instanceof Error ? err.name : 'Error'
  const e = new Error(`${name}: ${WITHHELD}`)
  e.name = name
  return e
}

/** The call frames of a stack, without its first (message) lines, which may span several. */
function frames(stack: string | undefined): string {
  return (stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .join('\n')
}

/**
 * `err` as it may be logged: every SyntaxError in its cause chain replaced by a copy without
 * message. Errors without one come back as they are (no copy on the common path).
 */
export function withoutParsedText(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error) || depth > 8) return err
  const cause = (err as { cause?: unknown }).cause
  const safeCause = withoutParsedText(cause, depth + 1)
  const quoting = err instanceof SyntaxError
  if (!quoting && safeCause === cause) return err
  const copy = Object.create(Object.getPrototypeOf(err)) as Error
  for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(err))) {
    if (k !== 'stack') Object.defineProperty(copy, k, d)
  }
  const message = quoting ? WITHHELD : err.message
  Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true })
  Object.defineProperty(copy, 'stack', {
    value: `${err.name}: ${message}\n${frames(err.stack)}`,
    writable: true,
    configurable: true,
  })
  if (safeCause !== cause)
    Object.defineProperty(copy, 'cause', { value: safeCause, writable: true, configurable: true })
  return copy
}
