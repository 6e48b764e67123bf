import type { ExchangeResult, ServiceExchange, ServiceHandler } from '../../core/service-kind.js';
import { aiStatus, type AiStatus } from '../status.js';
import { serveChat } from './chat.js';
import type { ServiceContext } from './context.js';
import { serveEmbeddings } from './embeddings.js';
import { serveModels } from './models.js';

const MODEL_ID = /\/models\/([^/]+)$/;

/**
 * The `kind: ai` service: dispatches on the path's API suffix, so routes may mount the APIs under
 * any prefix (`/v1/chat/completions`, `/openai/v1/chat/completions`…).
 */
export class AiServiceHandler implements ServiceHandler {
  private closed = false;

  constructor(private readonly sc: ServiceContext) {
    sc.ai.retain();
  }

  /** The config version retired (or was never activated): its provider pools may close. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sc.ai.release();
  }

  /** Keys, circuits and recent events, for the admin API (no secrets). */
  status(): AiStatus {
    return aiStatus(this.sc.ai, this.sc.runtime);
  }

  handle(ex: ServiceExchange): Promise<ExchangeResult> {
    const path = ex.ctx.path;
    const method = ex.ctx.method;
    const sc = this.sc;
    if (path.endsWith('/chat/completions')) return method === 'POST' ? serveChat(sc, ex, sc.translation.openai, 'chat') : Promise.resolve(notAllowed(ex, 'POST'));
    if (path.endsWith('/messages')) return method === 'POST' ? serveChat(sc, ex, sc.translation.anthropic, 'messages') : Promise.resolve(notAllowed(ex, 'POST'));
    if (path.endsWith('/embeddings')) return method === 'POST' ? serveEmbeddings(sc, ex) : Promise.resolve(notAllowed(ex, 'POST'));
    if (path.endsWith('/models')) return Promise.resolve(method === 'GET' ? serveModels(sc, ex, undefined) : notAllowed(ex, 'GET'));
    const m = MODEL_ID.exec(path);
    if (m) return Promise.resolve(method === 'GET' ? serveModels(sc, ex, safeDecode(m[1]!)) : notAllowed(ex, 'GET'));
    return Promise.resolve(
      ex.fail('route.not_found', `No AI API at ${path}. This service serves POST …/chat/completions, POST …/messages, POST …/embeddings and GET …/models.`),
    );
  }
}

function notAllowed(ex: ServiceExchange, allow: string): ExchangeResult {
  return ex.fail('route.method_not_allowed', `Method ${ex.ctx.method} is not allowed here. Allowed: ${allow}.`, { headers: { allow } });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
