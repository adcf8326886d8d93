/**
 * "The review queue changed": pages that decide or start runs say so, and the shell's nav
 * badge reloads at once instead of waiting for the next navigation. Other people's decisions
 * reach the badge through its poll (the shell reloads it every 30 s while the tab is shown).
 * @module
 */
const EVENT = 'latchkey:reviews-changed'

export function reviewsChanged(): void {
  window.dispatchEvent(new Event(EVENT))
}

export function onReviewsChanged(fn: () => void): () => void {
  window.addEventListener(EVENT, fn)
  return () => window.removeEventListener(EVENT, fn)
}

export const REVIEWS_POLL_MS = 30_000
