import type { RequestTrace, TraceEntry } from '../../core/trace.js';
import { table } from '../table.js';

function who(e: TraceEntry): string {
  return e.policy ? `${e.policy.name} (${e.policy.id})` : (e.step ?? '');
}

function outcome(e: TraceEntry): string {
  if ((e.outcome === 'deny' || e.outcome === 'respond') && e.enforced === false) return `${e.outcome} (shadow)`;
  return e.outcome;
}

/** The trace of one request as an operator reads it: a table, then the decision and its evidence. */
export function renderTrace(t: RequestTrace & { time?: string }): string {
  const out: string[] = [];
  const time = t.time ?? new Date(t.timestamp).toISOString();
  out.push(`Request ${t.requestId}${t.simulated ? ' (simulated)' : ''}`);
  out.push(`  ${t.method} ${t.path}${t.host ? `  host ${t.host}` : ''}  from ${t.clientIp}  at ${time}  config v${t.configVersion}`);
  const route = t.routeId ? `route ${t.routeId} → service ${t.serviceId ?? '?'}` : 'no route';
  out.push(`  ${route}${t.consumerId ? `  consumer ${t.consumerId}` : ''}`);
  const answer = t.status === 0 ? 'forwarded to the upstream' : `${t.status} ${t.code ?? ''} answered by ${t.answeredBy}`;
  out.push(`  result: ${answer}  (${t.durationMs.toFixed(2)} ms)`);
  out.push('');
  const rows = t.entries.map((e, i) => [String(i + 1), e.phase, who(e), outcome(e), e.code ?? '', e.ms.toFixed(3), e.detail ?? '']);
  out.push(table(['#', 'phase', 'policy / step', 'outcome', 'code', 'ms', 'detail'], rows, [3, 12, 48, 14, 32, 9, 90]));
  const denial =
    t.entries.find((e) => (e.outcome === 'deny' || e.outcome === 'respond') && e.enforced !== false) ?? t.entries.find((e) => e.outcome === 'error');
  if (denial) {
    out.push('');
    out.push(`Decided by: ${who(denial)}${denial.policy ? ` at ${denial.policy.scope} scope` : ''}, phase ${denial.phase}`);
    out.push(`  ${denial.code ?? ''}: ${denial.detail ?? ''}`);
    if (denial.data) {
      out.push('  looked at:');
      for (const [k, v] of Object.entries(denial.data)) out.push(`    ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    }
  }
  const shadows = t.entries.filter((e) => e.outcome === 'deny' && e.enforced === false);
  for (const s of shadows) out.push(`Shadow mode: ${who(s)} would have denied with ${s.code ?? ''} (${s.detail ?? ''})`);
  return out.join('\n');
}
