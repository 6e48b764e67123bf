import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CallLog } from '../record.js';
import type { LogSink, SinkEvents } from './sink.js';

export interface JsonlOptions {
  readonly path: string;
  readonly maxSize: number;
  readonly keep: number;
}

/**
 * Appends one JSON record per line; rotates by size like logrotate (`f` → `f.1` → … → `f.<keep>`,
 * the oldest deleted). Writes are whole batches, appended in order by the single worker.
 */
export class JsonlSink implements LogSink {
  readonly name: string;
  private fh: FileHandle | undefined;
  private size = 0;

  constructor(private readonly o: JsonlOptions, private readonly events: SinkEvents) {
    this.name = `jsonl:${o.path}`;
  }

  private async file(): Promise<FileHandle> {
    if (this.fh) return this.fh;
    await mkdir(dirname(this.o.path), { recursive: true });
    this.fh = await open(this.o.path, 'a');
    this.size = (await stat(this.o.path)).size;
    return this.fh;
  }

  private async rotate(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
    const p = this.o.path;
    if (this.o.keep === 0) await rm(p, { force: true });
    else {
      await rm(`${p}.${this.o.keep}`, { force: true });
      for (let i = this.o.keep - 1; i >= 1; i--) await rename(`${p}.${i}`, `${p}.${i + 1}`).catch(() => undefined);
      await rename(p, `${p}.1`).catch(() => undefined);
    }
  }

  async push(records: readonly CallLog[]): Promise<void> {
    if (records.length === 0) return;
    try {
      const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
      const bytes = Buffer.byteLength(text);
      if (this.size > 0 && this.size + bytes > this.o.maxSize) await this.rotate();
      const fh = await this.file();
      await fh.write(text);
      this.size += bytes;
      this.events.sent(this.name, records.length);
    } catch (err) {
      this.events.dropped(this.name, records.length);
      this.events.error(this.name, err);
    }
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}
