import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientGone } from '../core/client-signal.js';
import type { Execution } from '../core/pipeline.js';
import { runResponseHooks } from '../core/pipeline.js';
import type { ErrorDialect } from '../core/problem.js';
import type { ReasonTable } from '../core/reasons.js';
import type { ExchangeResult, ResponseWriter, ServiceExchange } from '../core/service-kind.js';
import { writeAnswer } from './answer.js';
import type { GatewayRequestContext } from './request-context.js';
import { FlatResponseInfo, mergeFlatHeaders } from './response-info.js';

class NodeResponseWriter implements ResponseWriter {
  constructor(private readonly res: ServerResponse) {}

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  write(chunk: Uint8Array | string): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.res.write(chunk)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.removeListener('drain', done);
        this.res.removeListener('close', done);
        resolve();
      };
      this.res.once('drain', done).once('close', done);
    });
  }

  end(chunk?: Uint8Array | string): void {
    if (this.res.destroyed) return;
    if (chunk === undefined) this.res.end();
    else this.res.end(chunk);
  }
}

/** The ServiceExchange a non-http service kind (e.g. `ai`) gets for one request. */
export function createServiceExchange(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: GatewayRequestContext,
  exec: Execution,
  reasons: ReasonTable,
  configVersion: number,
  dialect: ErrorDialect,
  traceparent: string | undefined,
): ServiceExchange {
  const signal = new ClientGone();
  const onClose = () => {
    if (!res.writableFinished) signal.abort();
  };
  res.once('close', onClose);
  req.once('aborted', onClose);
  return {
    ctx,
    signal,
    ...(traceparent !== undefined ? { traceparent } : {}),
    readBody: (limit) => ctx.readBody(limit),
    respond(status, headers) {
      const list: string[] = [];
      for (const k in headers) list.push(k, headers[k]!);
      list.push('x-request-id', ctx.id);
      mergeFlatHeaders(list, ctx.responseHeaders);
      runResponseHooks(ctx, exec, new FlatResponseInfo(status, 'upstream', undefined, list));
      if (!res.destroyed) res.writeHead(status, list);
      return new NodeResponseWriter(res);
    },
    fail(code, detail, extra): ExchangeResult {
      const { status } = writeAnswer(res, ctx, reasons, configVersion, dialect, { code, detail, headers: extra?.headers, status: extra?.status, errors: extra?.errors, exec });
      return { status, answeredBy: 'gateway', code };
    },
  };
}
