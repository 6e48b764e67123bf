import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getProvider, providerIds } from '../providers/registry.js';
import { AiRuntime } from '../runtime.js';
import { compileAiSection } from './compile.js';
import type { AiSection } from './schema.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const keyFile = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'service_account', project_id: 'acme-prod', private_key_id: 'kid-1', private_key: privateKey, client_email: 'sluice@acme-prod.iam.gserviceaccount.com', token_uri: 'http://127.0.0.1:1/token', ...over });

function compile(runtime: AiRuntime, env: Record<string, string>, provider: Partial<AiSection['providers'][number]> = {}) {
  return compileAiSection(
    { providers: [{ id: 'gcp', type: 'vertex', region: 'europe-west4', keys: [{ id: 'sa', secret: 'env:GCP_KEY' }], ...provider }], models: [{ name: 'flash', targets: [{ provider: 'gcp', model: 'gemini-2.5-flash' }] }] },
    { adapter: getProvider, adapterIds: providerIds, runtime, env },
  );
}

describe('compiling provider keys: Google service-account keys', () => {
  it('a service-account key becomes a token source kept by the runtime; the Target carries no key', () => {
    const runtime = new AiRuntime();
    const ai = compile(runtime, { GCP_KEY: keyFile() });
    const [key] = ai.providers.get('gcp')!.keys.keys;
    expect(key!.material.apiKey).toBeUndefined();
    expect(key!.material.tokenSource).toBe(runtime.googleTokens.get(keyFile()));
    const target = ai.models[0]!.deployments[0]!.targets.get(key!)!;
    expect(target.apiKey).toBeUndefined();
    expect(target.project).toBe('acme-prod'); // from the key's project_id
    // A new config version (same key) shares the source, so its cached token survives the reload.
    const again = compile(runtime, { GCP_KEY: keyFile() }, { project: 'other-project' });
    const [k2] = again.providers.get('gcp')!.keys.keys;
    expect(k2!.material.tokenSource).toBe(key!.material.tokenSource);
    expect(k2!.health).toBe(key!.health);
    expect(again.models[0]!.deployments[0]!.targets.get(k2!)!.project).toBe('other-project'); // the provider's project wins
  });

  it('an access token stays an API key', () => {
    const ai = compile(new AiRuntime(), { GCP_KEY: 'ya29.a0AfH6SM' }, { project: 'acme-prod' });
    const [key] = ai.providers.get('gcp')!.keys.keys;
    expect(key!.material).toEqual({ apiKey: 'ya29.a0AfH6SM', aws: undefined });
  });

  it('a damaged service-account key is a config error at the secret', () => {
    const damaged = keyFile({ private_key: privateKey.replace(/\n[A-Za-z0-9+/]{10}/, '\n') });
    expect(() => compile(new AiRuntime(), { GCP_KEY: damaged })).toThrow(
      expect.objectContaining({ path: 'ai.providers[0].keys[0].secret', reason: 'the Google service-account key\'s "private_key" cannot be read as an RSA private key' }),
    );
    expect(() => compile(new AiRuntime(), { GCP_KEY: keyFile({ client_email: '' }) })).toThrow(
      expect.objectContaining({ path: 'ai.providers[0].keys[0].secret', reason: 'the Google service-account key has no "client_email"' }),
    );
  });

  it('without project and without project_id in the key, project is required', () => {
    expect(() => compile(new AiRuntime(), { GCP_KEY: keyFile({ project_id: undefined }) })).toThrow(
      expect.objectContaining({ path: 'ai.providers[0].project', reason: 'is required by provider type vertex' }),
    );
  });
});
