import type { ChatMessage, ChatRequest, ContentPart, ReasoningOptions, ToolChoice } from '../../../core/llm/types.js';
import { unpackToolCallId } from '../../dialects/shared/tool-id.js';
import { argumentsObject, mediaTypeFromUrl, partsOf, textOf } from '../shared/content.js';
import { unsupported } from '../shared/failure.js';
import { applyExtra } from '../shared/headers.js';
import type { GeminiContent, GeminiGenerationConfig, GeminiPart, GeminiRequest, GeminiThinkingConfig, GeminiToolConfig } from './wire.js';

/** What differs between Google AI Studio and Vertex AI bodies. */
export interface GeminiBodyOptions {
  /** Vertex AI accepts `labels` (billing tags): the request's `metadata` goes there. */
  readonly labels: boolean;
}

/** Thinking budgets for OpenAI-style effort levels (Gemini 2.5; Gemini 3 takes a level). */
const EFFORT_BUDGET = { minimal: 512, low: 1024, medium: 8192, high: 24576 } as const;

/** A tool-call id as the client echoes it: the Gemini id and the `thoughtSignature` packed into it. */
function callIdentity(id: string, explicit: string | undefined): { id: string; signature?: string } {
  const u = unpackToolCallId(id);
  const signature = explicit ?? u.signature;
  return signature === undefined ? { id: u.id } : { id: u.id, signature };
}

function mediaPart(p: ContentPart & { type: 'image' | 'file' }, param: string): GeminiPart {
  if (p.source.kind === 'base64') return { inlineData: { mimeType: p.source.mediaType, data: p.source.data } };
  const url = p.source.url;
  if (!/^(https?|gs):\/\//i.test(url)) unsupported(param, 'Gemini takes inline base64 data or an http(s)/gs:// file URI');
  const mimeType = mediaTypeFromUrl(url);
  return { fileData: mimeType ? { mimeType, fileUri: url } : { fileUri: url } };
}

function userParts(m: ChatMessage, i: number): GeminiPart[] {
  return partsOf(m.content).map((p, j): GeminiPart => (p.type === 'text' ? { text: p.text } : mediaPart(p, `messages[${i}].content[${j}]`)));
}

/**
 * Google's documented stand-in for a signature Gemini never issued. Gemini 3 refuses (400) a
 * function call of the current turn without a `thoughtSignature`; a call that another provider made
 * (a fallback mid-conversation) or that the client wrote itself has none to echo.
 */
export const SIGNATURE_PLACEHOLDER = 'skip_thought_signature_validator';

/** Gemini 3 validates signatures on function calls; earlier models accept calls without one. */
export function requiresCallSignatures(model: string): boolean {
  return /(^|\/)gemini-3/i.test(model);
}

/**
 * A model turn: text, then function calls with their `thoughtSignature`. A reasoning signature
 * (Gemini signs text parts too) rides on the last text part, where Gemini put it. For Gemini 3, a
 * turn whose calls carry no signature at all gets the placeholder on its first call (the one
 * Gemini checks); a real signature is never replaced.
 */
function modelParts(m: ChatMessage, i: number, signCalls: boolean): GeminiPart[] {
  const out: GeminiPart[] = [];
  for (const [j, p] of partsOf(m.content).entries()) {
    if (p.type !== 'text') unsupported(`messages[${i}].content[${j}]`, 'Gemini model turns carry text and function calls only');
    if (p.text.length > 0) out.push({ text: p.text });
  }
  const signature = [...(m.reasoning ?? [])].reverse().find((r) => r.signature !== undefined && r.redacted === undefined)?.signature;
  if (signature !== undefined) {
    const last = out[out.length - 1];
    if (last) last.thoughtSignature = signature;
    else out.push({ text: '', thoughtSignature: signature });
  }
  const calls: GeminiPart[] = [];
  (m.toolCalls ?? []).forEach((tc, j) => {
    const args = argumentsObject(tc.arguments);
    if (!args.ok) unsupported(`messages[${i}].tool_calls[${j}].function.arguments`, 'tool call arguments must be a JSON object');
    const { id, signature: sig } = callIdentity(tc.id, tc.signature);
    calls.push({ functionCall: { name: tc.name, args: args.value, id }, ...(sig !== undefined ? { thoughtSignature: sig } : {}) });
  });
  const first = calls[0];
  if (signCalls && first && calls.every((c) => c.thoughtSignature === undefined)) first.thoughtSignature = SIGNATURE_PLACEHOLDER;
  out.push(...calls);
  return out;
}

function toolResult(m: ChatMessage, i: number, names: ReadonlyMap<string, string>): GeminiPart {
  if (m.toolCallId === undefined) unsupported(`messages[${i}].tool_call_id`, 'a tool message needs tool_call_id');
  const name = names.get(m.toolCallId) ?? m.name;
  if (name === undefined) unsupported(`messages[${i}].tool_call_id`, `no earlier assistant tool call has id ${JSON.stringify(m.toolCallId)}, and Gemini needs the function name`);
  partsOf(m.content).forEach((p, j) => {
    if (p.type !== 'text') unsupported(`messages[${i}].content[${j}]`, 'Gemini function responses carry text only');
  });
  // Gemini's convention: `output` for the result, `error` for a failure.
  const text = textOf(m.content);
  return { functionResponse: { name, response: m.isError ? { error: text } : { output: text }, id: unpackToolCallId(m.toolCallId).id } };
}

/** Conversation turns; consecutive turns of one role merge (parallel function responses share a turn). */
function contents(req: ChatRequest, model: string): GeminiContent[] {
  const signCalls = requiresCallSignatures(model);
  const names = new Map<string, string>();
  for (const m of req.messages) for (const tc of m.toolCalls ?? []) names.set(tc.id, tc.name);
  const out: GeminiContent[] = [];
  const push = (role: 'user' | 'model', parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = out[out.length - 1];
    if (last?.role === role) last.parts.push(...parts);
    else out.push({ role, parts });
  };
  req.messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        return;
      case 'user':
        return push('user', userParts(m, i));
      case 'tool':
        return push('user', [toolResult(m, i, names)]);
      case 'assistant':
        return push('model', modelParts(m, i, signCalls));
    }
  });
  return out;
}

function systemInstruction(req: ChatRequest): GeminiRequest['systemInstruction'] {
  const parts: { text: string }[] = [];
  req.messages.forEach((m, i) => {
    if (m.role !== 'system' && m.role !== 'developer') return;
    for (const [j, p] of partsOf(m.content).entries()) {
      if (p.type !== 'text') unsupported(`messages[${i}].content[${j}]`, 'Gemini system instructions accept text only');
      parts.push({ text: p.text });
    }
  });
  return parts.length > 0 ? { parts } : undefined;
}

function toolConfig(c: ToolChoice | undefined): GeminiToolConfig | undefined {
  if (c === undefined) return undefined;
  if (c === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (c === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (c === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [c.name] } };
}

/** Gemini 3 takes a thinking level; Gemini 2.5 a token budget (0 turns thinking off where allowed). */
function thinking(r: ReasoningOptions | undefined, model: string): GeminiThinkingConfig | undefined {
  if (!r) return undefined;
  const off = r.enabled === false || r.effort === 'none';
  const level = /gemini-3/i.test(model);
  if (off) return level ? { thinkingLevel: 'low' } : { thinkingBudget: 0 };
  if (r.budgetTokens !== undefined) return { thinkingBudget: r.budgetTokens, includeThoughts: true };
  if (r.effort !== undefined) {
    return level
      ? { thinkingLevel: r.effort === 'minimal' || r.effort === 'low' ? 'low' : 'high', includeThoughts: true }
      : { thinkingBudget: EFFORT_BUDGET[r.effort], includeThoughts: true };
  }
  return r.enabled ? { includeThoughts: true } : undefined;
}

function generationConfig(req: ChatRequest, model: string): GeminiGenerationConfig {
  const g: GeminiGenerationConfig = {};
  if (req.temperature !== undefined) g.temperature = req.temperature;
  if (req.topP !== undefined) g.topP = req.topP;
  if (req.topK !== undefined) g.topK = req.topK;
  if (req.maxTokens !== undefined) g.maxOutputTokens = req.maxTokens;
  if (req.stop && req.stop.length > 0) g.stopSequences = [...req.stop];
  if (req.seed !== undefined) g.seed = req.seed;
  if (req.n !== undefined && req.n > 1) g.candidateCount = req.n;
  if (req.presencePenalty !== undefined) g.presencePenalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) g.frequencyPenalty = req.frequencyPenalty;
  if (req.logprobs) {
    g.responseLogprobs = true;
    if (req.topLogprobs !== undefined) g.logprobs = req.topLogprobs;
  }
  const f = req.responseFormat;
  if (f?.type === 'json_object') g.responseMimeType = 'application/json';
  else if (f?.type === 'json_schema') {
    g.responseMimeType = 'application/json';
    g.responseJsonSchema = { ...f.schema };
  }
  const t = thinking(req.reasoning, model);
  if (t) g.thinkingConfig = t;
  return g;
}

/** Canonical request → `generateContent` body (the model is in the URL). */
export function toGeminiBody(req: ChatRequest, model: string, opts: GeminiBodyOptions): GeminiRequest {
  if (req.logitBias && Object.keys(req.logitBias).length > 0) unsupported('logit_bias', 'Gemini does not support logit_bias');
  const body: GeminiRequest = { contents: contents(req, model) };
  const sys = systemInstruction(req);
  if (sys) body.systemInstruction = sys;
  if (req.tools && req.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          ...(t.parameters && Object.keys(t.parameters).length > 0 ? { parametersJsonSchema: { ...t.parameters } } : {}),
        })),
      },
    ];
  }
  const tc = toolConfig(req.toolChoice);
  if (tc && (req.tools?.length || tc.functionCallingConfig.mode === 'NONE')) body.toolConfig = tc;
  const g = generationConfig(req, model);
  if (Object.keys(g).length > 0) body.generationConfig = g;
  if (opts.labels && req.metadata && Object.keys(req.metadata).length > 0) body.labels = { ...req.metadata };
  return applyExtra(body, req.extra);
}
