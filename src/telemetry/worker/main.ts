import { parentPort, workerData } from 'node:worker_threads';
import type { RequestTrace } from '../../core/trace.js';
import { decodeRecords } from '../record-decode.js';
import { CHUNK_MAX_WAIT_MS, TelemetryEngine } from './engine.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

/**
 * The telemetry worker thread: owns its own store connection and does every write (and the
 * serialization before it) off the proxy's event loop. Messages are handled strictly in order.
 */
const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: FromWorker): void => port.postMessage(m);
const engine = await TelemetryEngine.open({ ...init, log: (level, obj, msg) => send({ t: 'log', level, obj, msg }) });

/**
 * Records received and not acknowledged yet. A batch is acknowledged once written, so that what a
 * crash loses is counted as dropped: the engine may hold batches for a fuller call-log chunk.
 */
let unacked = 0;
const ackWritten = (): void => {
  if (unacked > 0 && engine.heldRecords === 0) {
    send({ t: 'ack', n: unacked });
    unacked = 0;
  }
};

let chain: Promise<void> = Promise.resolve();
const enqueue = (fn: () => Promise<void> | void): void => {
  chain = chain
    .then(fn)
    .catch((err: unknown) => send({ t: 'log', level: 'error', obj: { err: String(err) }, msg: 'telemetry worker task failed' }))
    .then(ackWritten);
};

let flushTimer: NodeJS.Timeout | undefined;
const scheduleFlush = (): void => {
  if (flushTimer) clearInterval(flushTimer);
  flushTimer = setInterval(() => enqueue(() => engine.flushRollups().then(() => undefined)), engine.flushMs);
};
scheduleFlush();
// Call-log batches held for a fuller chunk are written within CHUNK_MAX_WAIT_MS.
const logsTimer = setInterval(() => enqueue(() => engine.flushLogs()), CHUNK_MAX_WAIT_MS);
const retentionTimer = setInterval(() => enqueue(runRetention), 3_600_000);
const firstRetention = setTimeout(() => enqueue(runRetention), 30_000);

async function runRetention(): Promise<void> {
  const deleted = await engine.retention();
  if (Object.values(deleted).some((n) => n > 0)) send({ t: 'log', level: 'info', obj: { deleted }, msg: 'retention: old call logs and rollups deleted' });
}

async function call(id: number, op: string, arg: unknown): Promise<void> {
  try {
    let value: unknown;
    switch (op) {
      case 'logs':
        value = await engine.queryLogs(arg as Parameters<TelemetryEngine['queryLogs']>[0]);
        break;
      case 'log':
        value = await engine.getLog(arg as string);
        break;
      case 'tail':
        value = await engine.tailCursor();
        break;
      case 'analytics':
        await engine.flushRollups();
        value = await engine.analytics(arg as Parameters<TelemetryEngine['analytics']>[0]);
        break;
      case 'metrics':
        // Records held for a fuller chunk count as written once they are.
        await engine.flushLogs();
        value = await engine.metrics.text();
        break;
      case 'flush':
        await engine.flushLogs();
        value = await engine.flushRollups();
        break;
      case 'retention':
        value = await engine.retention(typeof arg === 'number' ? arg : undefined);
        break;
      default:
        throw new Error(`unknown operation ${op}`);
    }
    send({ t: 'result', id, ok: true, value });
  } catch (err) {
    send({ t: 'result', id, ok: false, error: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' });
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'records':
      enqueue(async () => {
        try {
          await engine.ingest(decodeRecords(m.data) as RequestTrace[], m.data);
        } finally {
          unacked += m.n;
        }
      });
      break;
    case 'settings':
      enqueue(async () => {
        const before = engine.flushMs;
        await engine.configure(m.settings);
        if (engine.flushMs !== before) scheduleFlush();
      });
      break;
    case 'dims':
      enqueue(() => engine.setDimensions(m.table));
      break;
    case 'call':
      enqueue(() => call(m.id, m.op, m.arg));
      break;
    case 'close':
      enqueue(async () => {
        if (flushTimer) clearInterval(flushTimer);
        clearInterval(retentionTimer);
        clearInterval(logsTimer);
        clearTimeout(firstRetention);
        await engine.close();
        ackWritten();
        send({ t: 'closed' });
        port.close();
      });
      break;
  }
});
send({ t: 'ready' });
