// Loaded on first use (sign-in, invite acceptance) to keep server start fast.
const argon2 = () => import('@node-rs/argon2')

// argon2id with OWASP's recommended minimum (19 MiB, 2 iterations, 1 lane).
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export const MIN_PASSWORD_LENGTH = 12

export async function hashPassword(password: string): Promise<string> {
  return (await argon2()).hash(password, OPTIONS)
}

// A valid hash of a random password: verifying against it when the user does not exist costs
// the same time as a real check, so response times do not reveal which emails are registered.
let dummy: Promise<string> | undefined
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(`no-user-${Math.random()}`)
  return dummy
}

/** Verifies a password; `stored` null/undefined still spends a full verification. */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  const { verify } = await argon2()
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
