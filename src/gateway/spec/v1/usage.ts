/** Token counts as reported by the provider; absent fields were not reported. */
export interface Usage {
  inputTokens: number
  outputTokens: number
  /** Input tokens served from the provider's prompt cache (billed at the cached rate). */
  cachedReadTokens?: number
  /** Input tokens written to the provider's prompt cache (billed at the cache-write rate). */
  cacheWriteTokens?: number
  /** Output tokens spent on hidden reasoning (included in outputTokens where the provider does so). */
  reasoningTokens?: number
}

/** Shape of a request or response: counts and sizes, never text or argument values. */
export interface ContentShape {
  messages?: number
  /** Message count by role, e.g. {system: 1, user: 3, assistant: 2, tool: 1}. */
  roles?: Record<string, number>
  /** Content part count by kind, e.g. {text: 5, image: 1, tool_call: 2}. */
  parts?: Record<string, number>
  /** Total characters of text content. */
  chars?: number
  /** Total bytes of the body as sent/received. */
  bytes?: number
  /** Tool names declared or called (names only). */
  tools?: string[]
  toolCalls?: number
  /** Sampling/limit parameter names used (names only, not values). */
  params?: string[]
  /** Structured output: SHA-256 of the JSON schema and its top-level key names. */
  schemaHash?: string
  schemaKeys?: string[]
  finishReason?: string
  /** Embeddings: number of inputs and vector dimension. */
  inputs?: number
  dimensions?: number
}
