// What outlives young-generation collections, by the JS frame that allocated it: the allocations
// a full GC has to free later. Preload it into Sluice, put it under load, send SIGUSR2 to start and
// SIGUSR2 again to stop; the profile is written to $PROMOTED_OUT (default ./promoted.heapprofile).
//
//   node --expose-gc --import ./bench/lib/promoted.mjs dist/cli/main.js start --config …   # then:
//   kill -USR2 <pid>; <load for a few seconds>; kill -USR2 <pid>
//   node bench/lib/promoted.mjs <profile> <requests served while sampling> [stack depth]
//
// V8's sampling heap profiler keeps the samples of objects a major GC freed and drops those a minor
// GC freed, so what is left was promoted (or is still alive). Two minor GCs before stopping drop
// what was merely young. Found this way: spread-built objects on the AI path (1.8-2 KB per request).
import fs from 'node:fs';
import inspector from 'node:inspector';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

function summarize(file, requests, depth) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byStack = new Map();
  let total = 0;
  const frame = (n) => {
    const cf = n.callFrame;
    return `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^file:\/\/.*?\/(dist|src)\//, '$1/').replace(/.*node_modules\//, '')}:${cf.lineNumber + 1}`;
  };
  const walk = (node, stack) => {
    const here = [frame(node), ...stack].slice(0, depth);
    if (node.selfSize) {
      total += node.selfSize;
      const key = here.join(' <- ');
      byStack.set(key, (byStack.get(key) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c, here);
  };
  walk(profile.head, []);
  console.log(`${(total / 1024 / requests).toFixed(2)} KB per request outlived young-generation collections`);
  for (const [k, v] of [...byStack].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${(v / 1024 / requests).toFixed(3).padStart(8)}  ${k}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, requests, depth] = process.argv.slice(2);
  if (!file || !(Number(requests) > 0)) {
    console.error('usage: node bench/lib/promoted.mjs <profile> <requests> [depth]');
    process.exit(2);
  }
  summarize(file, Number(requests), Number(depth ?? 1));
} else if (isMainThread) {
  // The main thread only (workers inherit --import; signals are the main thread's).
  const session = new inspector.Session();
  session.connect();
  let sampling = false;
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true;
      session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
      return;
    }
    sampling = false;
    if (typeof global.gc === 'function') {
      global.gc({ type: 'minor' });
      global.gc({ type: 'minor' });
    }
    session.post('HeapProfiler.stopSampling', (err, r) => {
      const out = process.env.PROMOTED_OUT ?? 'promoted.heapprofile';
      if (err) console.error('promoted.mjs:', err.message);
      else fs.writeFileSync(out, JSON.stringify(r.profile));
    });
  });
}
