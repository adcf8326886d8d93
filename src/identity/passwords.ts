import { hash, verify } from '@node-rs/argon2'

// argon2id with OWASP's recommended minimum (19 MiB, 2 iterations, 1 lane).
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export const MIN_PASSWORD_LENGTH = 12

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS)
}

// A valid hash of a random password: verifying against it when the user does not exist costs
// the same time as a real check, so response times do not reveal which emails are registered.
let dummy: Promise<string> | undefined
function dummyHash(): Promise<string> {
  dummy ??= hash(`no-user-${Math.random()}`, OPTIONS)
  return dummy
}

/** Verifies a password; `stored` null/undefined still spends a full verification. */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    await verify(await dummyHash(), password).catch(() => false)
    return false
  }
  try {
    return await verify(stored, password)
  } catch {
    return false
  }
}
