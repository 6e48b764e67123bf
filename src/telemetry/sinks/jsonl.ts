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
 * the oldest deleted), between records, so a file never exceeds `maxSize` unless one record does.
 * Appended in order by the single worker.
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
    this.size = 0;
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
    let written = 0;
    try {
      // A file stays within max_size (unless one record alone is bigger): rotate between records.
      let chunk = '';
      let chunkBytes = 0;
      let pending = 0;
      for (const r of records) {
        const line = `${JSON.stringify(r)}\n`;
        const bytes = Buffer.byteLength(line);
        if (this.size + chunkBytes + bytes > this.o.maxSize && this.size + chunkBytes > 0) {
          await this.append(chunk, chunkBytes);
          written += pending;
          chunk = '';
          chunkBytes = 0;
          pending = 0;
          await this.rotate();
        }
        chunk += line;
        chunkBytes += bytes;
        pending++;
      }
      await this.append(chunk, chunkBytes);
      written += pending;
      this.events.sent(this.name, written);
    } catch (err) {
      if (written > 0) this.events.sent(this.name, written);
      this.events.dropped(this.name, records.length - written);
      this.events.error(this.name, err);
    }
  }

  private async append(text: string, bytes: number): Promise<void> {
    if (bytes === 0) return;
    const fh = await this.file();
    await fh.write(text);
    this.size += bytes;
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}
