/** The zhipu kind: registry entry, capabilities and quirks (one line in ../compat-kinds.ts). */
import { ALL_CAPABILITIES, type CompatKind, openaiCompatible } from '../kind-definition.js'
import { zhipuQuirks } from './zhipu-quirks.js'

export const zhipuKind: CompatKind = {
  info: openaiCompatible('zhipu', 'Zhipu GLM', 'sovereign', 'https://open.bigmodel.cn/api/paas/v4', {
    regions: { china: 'https://open.bigmodel.cn/api/paas/v4', international: 'https://api.z.ai/api/paas/v4' },
  }),
  capabilities: { ...ALL_CAPABILITIES, vision: /v(-|$|\.)|4v|4\.\dv/, jsonSchema: false },
  quirks: zhipuQuirks,
}
