import { defineCompatible } from '../openai-compatible/adapter.js';

/** StepFun: OpenAI-compatible. */
export const stepfun = defineCompatible({
  id: 'stepfun',
  displayName: 'StepFun',
  defaultBaseUrl: 'https://api.stepfun.com/v1',
  docsUrl: 'https://platform.stepfun.com/docs/api-reference/chat/chat-completion-create',
});
