import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface SluiceProcess {
  readonly child: ChildProcess;
  readonly proxy: string;
  readonly admin: string;
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `sluice <args>` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    if (stdin !== undefined) child.stdin.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the real `sluice start` process on random ports and waits for its ready line. */
export function startSluiceProcess(args: string[], env: Record<string, string> = {}): Promise<SluiceProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--admin-port', '0', '--host', '127.0.0.1', '--log-level', 'warn', ...args], {
      env: { ...process.env, ...env },
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice did not start in time:\n${out}`));
    }, 15_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /sluice ready: proxy (http:\/\/\S+)\s+admin (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      resolve({
        child,
        proxy: m[1]!,
        admin: m[2]!,
        output: () => out,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode !== null) return child.exitCode;
          child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice exited with ${code}:\n${out}`));
    });
  });
}
