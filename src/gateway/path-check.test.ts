import { describe, expect, it } from 'vitest';
import { invalidPathReason, splitUrl } from './path-check.js';

describe('invalidPathReason', () => {
  it('accepts ordinary paths, including dots inside segments', () => {
    for (const p of ['/', '/a/b', '/v1.2/file.tar.gz', '/a%20b', '/.well-known/x', '/a/..b']) expect(invalidPathReason(p)).toBeUndefined();
  });

  it('refuses dot segments, plain or encoded, NUL and backslashes', () => {
    expect(invalidPathReason('/a/../admin')).toBe('contains a dot segment');
    expect(invalidPathReason('/a/./b')).toBe('contains a dot segment');
    expect(invalidPathReason('/a/..')).toBe('contains a dot segment');
    expect(invalidPathReason('/a/%2e%2E/admin')).toBe('contains a dot segment');
    expect(invalidPathReason('/a%2f..%2fadmin')).toBe('contains a dot segment');
    expect(invalidPathReason('/a%00b')).toBe('contains an encoded NUL byte');
    expect(invalidPathReason('/a\\b')).toBe('contains a backslash');
    expect(invalidPathReason('/a%5c..%5cb')).toBe('contains an encoded backslash');
    expect(invalidPathReason('*')).toBe('does not start with "/"');
  });
});

describe('splitUrl', () => {
  it('splits path and query and reduces absolute-form', () => {
    expect(splitUrl('/a?b=1&c')).toEqual({ path: '/a', rawQuery: 'b=1&c' });
    expect(splitUrl('http://h:1/x/y?q')).toEqual({ path: '/x/y', rawQuery: 'q' });
    expect(splitUrl('http://h')).toEqual({ path: '/', rawQuery: '' });
  });
});
