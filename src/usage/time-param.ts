import { z } from 'zod'

/** A time in a query string: epoch milliseconds or an ISO 8601 date/time. */
export const timeParam = z
  .string()
  .max(40)
  .transform((v, ctx) => {
    const ms = /^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v)
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'expected epoch milliseconds or an ISO 8601 time' })
      return z.NEVER
    }
    return ms
  })
