import type { CallEvent } from '../../src/gateway/spec/v1/call-event.js'

let n = 0

/** A call event with shapes and counts only, as the gateway emits it. */
export function callEvent(orgId: string, over: Partial<CallEvent> = {}): CallEvent {
  n += 1
  return {
    requestId: `req_test_${n}_${Math.random().toString(36).slice(2, 8)}`,
    ts: Date.now(),
    orgId,
    workspaceId: null,
    principalId: 'tok_1',
    principalKind: 'token',
    userId: 'usr_1',
    tokenId: 'tok_1',
    credentialId: 'cred_1',
    provider: 'openai',
    requestedModel: 'openai-prod/gpt-4o',
    model: 'gpt-4o',
    endpoint: 'chat',
    stream: false,
    route: null,
    attempt: 1,
    attempts: 1,
    runId: null,
    stepId: null,
    workflowId: null,
    status: 'ok',
    httpStatus: 200,
    errorCode: null,
    latencyMs: 120,
    ttftMs: 40,
    usage: { inputTokens: 100, outputTokens: 20 },
    costUsd: 0.00045,
    inputShape: { messages: 2, roles: { system: 1, user: 1 }, chars: 120, params: ['temperature'] },
    outputShape: { messages: 1, chars: 40, finishReason: 'stop' },
    ...over,
  }
}
