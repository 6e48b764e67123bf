/**
 * Gemini needs each function call's `thoughtSignature` back on the next turn, but the OpenAI and
 * Anthropic APIs have no field for it. It rides inside the tool-call id the client echoes back
 * (as LiteLLM does): `<id>__thought__<signature>`.
 */
const SEP = '__thought__';

export function packToolCallId(id: string, signature: string | undefined): string {
  return signature === undefined ? id : `${id}${SEP}${signature}`;
}

export function unpackToolCallId(packed: string): { id: string; signature?: string } {
  const i = packed.indexOf(SEP);
  return i === -1 ? { id: packed } : { id: packed.slice(0, i), signature: packed.slice(i + SEP.length) };
}
