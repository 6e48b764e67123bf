import { describe, expect, it } from 'vitest';
import { amzDate, signV4, uriEncode, type SigV4Input } from './sigv4.js';

// Vectors of the AWS Signature Version 4 test suite (formerly
// https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html): credentials
// AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service", host example.amazonaws.com.
const SUITE: Omit<SigV4Input, 'method' | 'url' | 'headers' | 'body'> = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  nowMs: Date.UTC(2015, 7, 30, 12, 36, 0),
};
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const authz = (signedHeaders: string, signature: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${signedHeaders}, Signature=${signature}`;
/** The test suite's example STS session token. */
const STS_TOKEN =
  'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';

describe('SigV4 signer: AWS test-suite vectors', () => {
  it('get-vanilla: canonical request, string to sign and signature', () => {
    const s = signV4({ ...SUITE, method: 'GET', url: 'https://example.amazonaws.com/', headers: {}, body: '' });
    expect(s.canonicalRequest).toBe(['GET', '/', '', 'host:example.amazonaws.com', 'x-amz-date:20150830T123600Z', '', 'host;x-amz-date', EMPTY_SHA256].join('\n'));
    expect(s.stringToSign).toBe(
      ['AWS4-HMAC-SHA256', '20150830T123600Z', '20150830/us-east-1/service/aws4_request', 'bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63'].join('\n'),
    );
    expect(s.headers).toEqual({
      'x-amz-date': '20150830T123600Z',
      authorization: authz('host;x-amz-date', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'),
    });
  });

  it('post-vanilla', () => {
    const s = signV4({ ...SUITE, method: 'POST', url: 'https://example.amazonaws.com/', headers: {}, body: '' });
    expect(s.signature).toBe('5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b');
  });

  it('get-vanilla-query-order-key-case: query parameters sorted by encoded name', () => {
    const s = signV4({ ...SUITE, method: 'GET', url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1', headers: {}, body: '' });
    expect(s.canonicalRequest.split('\n')[2]).toBe('Param1=value1&Param2=value2');
    expect(s.signature).toBe('b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500');
  });

  it('get-header-value-trim: names lower-cased, values trimmed with inner spaces collapsed', () => {
    const s = signV4({ ...SUITE, method: 'GET', url: 'https://example.amazonaws.com/', headers: { 'My-Header1': ' value1', 'My-Header2': '"a   b   c"' }, body: '' });
    expect(s.canonicalRequest).toContain('\nmy-header1:value1\nmy-header2:"a b c"\n');
    expect(s.headers.authorization).toBe(authz('host;my-header1;my-header2;x-amz-date', 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736'));
  });

  it('post-x-www-form-urlencoded: a signed content-type and the body hash', () => {
    const s = signV4({ ...SUITE, method: 'POST', url: 'https://example.amazonaws.com/', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1' });
    expect(s.signature).toBe('ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a');
    expect(s.signedHeaders).toBe('content-type;host;x-amz-date');
  });

  it('post-sts-token/post-sts-header-before: the session token is a signed header', () => {
    const s = signV4({ ...SUITE, credentials: { ...SUITE.credentials, sessionToken: STS_TOKEN }, method: 'POST', url: 'https://example.amazonaws.com/', headers: {}, body: '' });
    expect(s.stringToSign.split('\n')[3]).toBe('c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6');
    expect(s.headers).toEqual({
      'x-amz-date': '20150830T123600Z',
      'x-amz-security-token': STS_TOKEN,
      authorization: authz('host;x-amz-date;x-amz-security-token', '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead'),
    });
  });
});

describe('SigV4 signer: documented service examples', () => {
  // Amazon S3 API Reference, "Signature Calculations for the Authorization Header", Example: GET Object.
  it('S3 GET Object (single-encoded path, x-amz-content-sha256 and range signed)', () => {
    const s = signV4({
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      region: 'us-east-1',
      service: 's3',
      nowMs: Date.UTC(2013, 4, 24),
      method: 'GET',
      url: 'https://examplebucket.s3.amazonaws.com/test.txt',
      headers: { range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256 },
      body: '',
      doubleEncodePath: false,
    });
    expect(s.stringToSign.split('\n')[3]).toBe('7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972');
    expect(s.signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('signs a Bedrock model id with its colon double-encoded, as AWS verifies it', () => {
    const s = signV4({
      ...SUITE,
      service: 'bedrock',
      method: 'POST',
      url: 'https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(s.canonicalRequest.split('\n')[1]).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%253A0/converse');
    expect(s.canonicalRequest).toContain('\nhost:bedrock-runtime.us-east-1.amazonaws.com\n');
  });

  it('encodes like RFC 3986 (unreserved characters kept, upper-case hex) and dates as AWS does', () => {
    expect(uriEncode("a-b_c.d~e:f/g h!'()*")).toBe('a-b_c.d~e%3Af%2Fg%20h%21%27%28%29%2A');
    expect(amzDate(Date.UTC(2024, 1, 29, 0, 0, 0, 999))).toBe('20240229T000000Z');
  });
});
