/** Classifies an undici/socket error into the reason code the client gets. */
export function classifyUpstreamError(err: unknown): { code: string; retryBeforeSend: boolean } {
  const e = err as { code?: string; name?: string; message?: string } | undefined;
  const code = e?.code ?? '';
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { code: 'upstream.connect_timeout', retryBeforeSend: true };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'SLUICE_FIRST_BYTE_TIMEOUT':
    case 'SLUICE_TOTAL_TIMEOUT':
      return { code: 'upstream.timeout', retryBeforeSend: false };
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
    case 'EADDRNOTAVAIL':
      return { code: 'upstream.connect_failed', retryBeforeSend: true };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { code: 'upstream.reset', retryBeforeSend: false };
    default:
      if (code.startsWith('HPE_') || code === 'UND_ERR_INFO' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
        return { code: 'upstream.bad_response', retryBeforeSend: false };
      }
      if (code.startsWith('ERR_TLS') || code.startsWith('CERT_') || code.includes('SSL')) return { code: 'upstream.connect_failed', retryBeforeSend: true };
      return { code: 'upstream.reset', retryBeforeSend: false };
  }
}

/** Raised by the total-timeout timer. */
export class TotalTimeoutError extends Error {
  readonly code = 'SLUICE_TOTAL_TIMEOUT';
  constructor(ms: number) {
    super(`upstream exchange exceeded the total timeout of ${ms} ms`);
  }
}

/** Raised when an attempt got no response headers within the first-byte timeout. */
export class FirstByteTimeoutError extends Error {
  readonly code = 'SLUICE_FIRST_BYTE_TIMEOUT';
  constructor(ms: number) {
    super(`no response headers within the first-byte timeout of ${ms} ms`);
  }
}

/** Raised when the client goes away: the upstream request is aborted, nothing is answered. */
export class ClientClosedError extends Error {
  readonly code = 'SLUICE_CLIENT_CLOSED';
  constructor() {
    super('client closed the connection');
  }
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus those a proxy always sets itself. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'proxy-authorization']);
