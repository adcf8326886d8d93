/**
 * A step failure with a reason that is safe to store and show: it names what went wrong
 * (status, schema path, policy) and never carries prompt, output or secret text.
 */
export class StepError extends Error {
  override name = 'StepError'
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly usage?: { inputTokens: number; outputTokens: number; costUsd: number | null },
  ) {
    super(message)
  }
}
