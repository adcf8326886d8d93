/**
 * Lazy access to the bundled price dataset (@pydantic/genai-prices). The dataset is one large
 * module, loaded at the first price lookup rather than at server start (cold start); the
 * CommonJS build is loaded through require so the call stays synchronous.
 * @module
 */
import { createRequire } from 'node:module'

let genaiPrices: typeof import('@pydantic/genai-prices') | undefined

export const calcPrice: typeof import('@pydantic/genai-prices').calcPrice = (...args) => {
  genaiPrices ??= createRequire(import.meta.url)(
    '@pydantic/genai-prices',
  ) as typeof import('@pydantic/genai-prices')
  return genaiPrices.calcPrice(...args)
}
