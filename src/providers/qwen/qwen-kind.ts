/** The qwen kind: registry entry, capabilities and quirks (one line in ../compat-kinds.ts). */
import { ALL_CAPABILITIES, type CompatKind, openaiCompatible } from '../kind-definition.js'
import { qwenQuirks } from './qwen-quirks.js'

export const qwenKind: CompatKind = {
  info: openaiCompatible(
    'qwen',
    'Qwen (DashScope)',
    'sovereign',
    'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    {
      regions: {
        singapore: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
        beijing: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
        virginia: 'https://dashscope-us.aliyuncs.com/compatible-mode/v1',
        'hong-kong': 'https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1',
      },
    },
  ),
  capabilities: { ...ALL_CAPABILITIES, vision: /vl|omni|qvq/ },
  quirks: qwenQuirks,
}
