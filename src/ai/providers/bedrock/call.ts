import type { CallContext, ResponseFraming, Target, UpstreamCall } from '../contract.js';
import { nowMs } from '../shared/context.js';
import { unsupported } from '../shared/failure.js';
import { joinUrl } from '../shared/headers.js';
import { signV4, uriEncode } from './sigv4.js';

/** `bedrock-runtime.<region>.amazonaws.com`, FIPS, China and VPC-endpoint spellings. */
const RUNTIME_HOST = /(?:^|\.)bedrock-runtime(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$/;

/** The Bedrock Runtime endpoint of a region (what `base_url` should be). */
export function runtimeBaseUrl(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/**
 * The signing region: `Target.region`, else the one in the endpoint's host name. A region that
 * contradicts the host would be signed for the wrong endpoint (AWS answers 403), so it is refused.
 */
export function signingRegion(target: Target): string | undefined {
  const fromHost = RUNTIME_HOST.exec(new URL(target.baseUrl).hostname)?.[1];
  if (target.region !== undefined && fromHost !== undefined && target.region !== fromHost) {
    unsupported('model', `the Bedrock target is misconfigured: region ${target.region} but base_url is the ${fromHost} endpoint (use ${runtimeBaseUrl(target.region)})`);
  }
  return target.region ?? fromHost;
}

/** `/model/<id>/<action>` with the model id or inference-profile ARN encoded as one path segment. */
export function modelPath(modelId: string, action: 'converse' | 'converse-stream' | 'invoke'): string {
  return `/model/${uriEncode(modelId)}/${action}`;
}

/**
 * A signed Bedrock Runtime call: SigV4 (service `bedrock`) with `awsCredentials`, else the Bedrock API
 * key as a bearer token. Signed: host, content-type, x-amz-date, the session token and any `x-amz-*`
 * extra header; other extra headers are sent unsigned (AWS allows it).
 */
export function bedrockCall(target: Target, ctx: CallContext | undefined, path: string, body: string, framing: ResponseFraming): UpstreamCall {
  const url = joinUrl(target.baseUrl, path);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const unsigned: Record<string, string> = {};
  for (const [k, v] of Object.entries(target.extraHeaders ?? {})) {
    const name = k.toLowerCase();
    if (name.startsWith('x-amz-')) headers[name] = v;
    else unsigned[name] = v;
  }
  const creds = target.awsCredentials;
  if (creds) {
    const region = signingRegion(target);
    if (region === undefined) unsupported('model', 'the Bedrock target has no region: set region (or a bedrock-runtime.<region>.amazonaws.com base_url)');
    const signed = signV4({ method: 'POST', url, headers: { ...headers, ...pick(unsigned, 'content-type') }, body, credentials: creds, region, service: 'bedrock', nowMs: nowMs(ctx) });
    Object.assign(headers, unsigned, signed.headers);
  } else {
    Object.assign(headers, unsigned);
    if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  }
  return { method: 'POST', url, headers, body, stream: framing !== 'json', responseFormat: framing };
}

function pick(h: Record<string, string>, name: string): Record<string, string> {
  return h[name] !== undefined ? { [name]: h[name] } : {};
}
