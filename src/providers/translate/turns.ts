/**
 * Anthropic, Bedrock Converse and Gemini reject two turns in a row from one role, while Chat
 * histories have them (a tool result followed by a user message, several tool results): the
 * second turn's blocks join the first.
 * @module
 */

/** Appends `items` as a `role` turn under `key`, merged into the last turn when the role repeats; empty turns are skipped. */
export function appendTurn<K extends string, R extends string, I>(
  turns: ({ role: R } & Record<K, I[]>)[],
  key: K,
  role: R,
  items: I[],
): void {
  if (items.length === 0) return
  const last = turns[turns.length - 1]
  if (last && last.role === role) last[key].push(...items)
  else turns.push({ role, [key]: items } as { role: R } & Record<K, I[]>)
}
