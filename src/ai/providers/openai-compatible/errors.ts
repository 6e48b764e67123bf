import type { ProviderError } from '../../../core/llm/errors.js';
import type { ResponseHeaders } from '../contract.js';
import { buildError, classify, type ErrorFields } from '../shared/errors.js';
import { arr, bytesToText, isObj, num, obj, str, tryJson } from '../shared/json.js';

/**
 * Fields of the error bodies OpenAI-compatible servers send: `{"error":{message,type,param,code}}`,
 * `{"error":"text"}` (Ollama, llama.cpp), `{"message":…}` (Mistral), `{"detail":…}` (FastAPI-based
 * servers), `[{"error":…}]` (Google's compatibility layer), or not JSON at all.
 */
export function openAIErrorFields(body: Uint8Array): ErrorFields {
  let j = tryJson(bytesToText(body));
  if (Array.isArray(j)) j = j[0];
  if (!isObj(j)) return {};
  const e = j.error;
  if (typeof e === 'string') return { message: e };
  if (isObj(e)) {
    const code = e.code ?? e.status;
    return {
      message: str(e.message) ?? str(e.msg),
      code: typeof code === 'string' ? code : str(e.type) ?? (typeof code === 'number' ? String(code) : undefined),
      param: str(e.param),
    };
  }
  const detail = j.detail;
  if (typeof detail === 'string') return { message: detail };
  if (Array.isArray(detail)) return { message: detail.map((d) => str(obj(d).msg) ?? JSON.stringify(d)).join('; ') };
  const msg = j.message;
  if (typeof msg === 'string') return { message: msg, code: str(j.type) ?? str(j.code) };
  if (isObj(msg) && Array.isArray(msg.detail)) {
    return { message: arr(msg.detail).map((d) => str(obj(d).msg) ?? JSON.stringify(d)).join('; '), code: str(j.type) };
  }
  return {};
}

export function parseOpenAIError(status: number, headers: ResponseHeaders, body: Uint8Array): ProviderError {
  return buildError(status, headers, body, openAIErrorFields(body));
}

/** An `error` member inside a 200 stream (`data: {"error":{…}}`). */
export function errorFromObject(e: unknown, fallbackStatus: number): ProviderError {
  if (typeof e === 'string') return { status: fallbackStatus, kind: classify(fallbackStatus, undefined, e), message: e };
  const o = obj(e);
  const message = str(o.message) ?? 'upstream stream failed';
  const rawCode = o.code;
  const numeric = num(rawCode);
  const status = numeric !== undefined && numeric >= 400 && numeric < 600 ? numeric : fallbackStatus;
  const code = typeof rawCode === 'string' ? rawCode : str(o.type);
  const out: { -readonly [K in keyof ProviderError]: ProviderError[K] } = { status, kind: classify(status, code, message), message };
  if (code !== undefined) out.providerCode = code;
  const param = str(o.param);
  if (param !== undefined) out.param = param;
  return out;
}
