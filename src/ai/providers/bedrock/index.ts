import type { ChatExchange, ProviderAdapter, UpstreamCall } from '../contract.js';
import { bedrockCall, modelPath, runtimeBaseUrl } from './call.js';
import { bedrockEmbeddings } from './embeddings.js';
import { parseBedrockError } from './errors.js';
import { toConverseBody } from './request.js';
import { parseConverse } from './response.js';
import { bedrockStreamTranslator } from './stream.js';

/**
 * AWS Bedrock Runtime: Converse and ConverseStream (binary event stream), embeddings through
 * InvokeModel. SigV4 (service `bedrock`) with `awsCredentials`, or a Bedrock API key as bearer.
 * The endpoint is per region: `https://bedrock-runtime.<region>.amazonaws.com` from `region`, or a
 * `base_url` (FIPS, VPC endpoint, proxy) whose host names the signing region unless `region` is set.
 */
export const bedrock: ProviderAdapter = {
  id: 'bedrock',
  displayName: 'Amazon Bedrock',
  docsUrl: 'https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html',
  defaultBaseUrlFor: ({ region }) => (region ? runtimeBaseUrl(region) : undefined),
  auth: 'sigv4',
  capabilities: {
    streaming: true,
    tools: true,
    toolStreaming: true,
    vision: true,
    jsonSchema: true,
    reasoning: true,
    multipleChoices: false,
    logprobs: false,
    streamUsage: true,
    embeddings: true,
  },
  chat: {
    buildRequest(ex: ChatExchange): UpstreamCall {
      const body = JSON.stringify(toConverseBody(ex.request, ex.target.providerModel));
      const stream = ex.request.stream;
      return bedrockCall(ex.target, ex.ctx, modelPath(ex.target.providerModel, stream ? 'converse-stream' : 'converse'), body, stream ? 'aws-eventstream' : 'json');
    },
    parseResponse: (ex, body) => parseConverse(ex, body),
    createStreamTranslator: (ex) => bedrockStreamTranslator(ex),
  },
  embeddings: bedrockEmbeddings,
  parseError: parseBedrockError,
};
