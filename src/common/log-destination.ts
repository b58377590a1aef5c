import fs from 'node:fs';

const RETRY_AFTER_FAILURE_MS = 1000;
const RETRY_AFTER_EAGAIN_MS = 20;
/** A queue this large is written at once, without waiting for more lines. */
const WRITE_AT_ONCE_BYTES = 64 * 1024;

/**
 * Where log lines go: an asynchronous writer to a file descriptor with a bounded queue. The
 * engine never waits for its log. When the destination fails (a full disk, a closed pipe) or
 * the queue is full, lines are dropped and counted; once a write succeeds again, one warning
 * says how many were lost.
 *
 * Lines are gathered for up to `coalesceMs` and written together: each write is a trip to libuv's
 * thread pool, measured at 50-100 µs of CPU here (a wake-up on another thread, and back), and a
 * received instance logs a line, so writing each line at once cost every instance that much.
 * `flushSync` writes what is left when the process exits.
 *
 * Written here because pino's own destination (sonic-boom) was measured to hang the process
 * on exit when its file sits on a full disk: its exit flush retries a failed write forever,
 * so SIGTERM never completed.
 */
export class AsyncLogDestination {
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private gatherTimer: NodeJS.Timeout | undefined;
  private droppedTotal = 0;
  private droppedUnreported = 0;
  private failing = false;

  constructor(
    private readonly fd: number,
    private readonly maxQueuedBytes = 8 * 1024 * 1024,
    private readonly coalesceMs = 20,
  ) {}

  /** Lines dropped since the process started (a metric). */
  get dropped(): number {
    return this.droppedTotal;
  }

  write(line: string): boolean {
    if (this.queuedBytes + line.length > this.maxQueuedBytes) {
      this.drop(1);
      return true;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    if (this.queuedBytes >= WRITE_AT_ONCE_BYTES) this.writeSoon();
    else this.gatherSoon();
    return true;
  }

  /** Waits up to `timeoutMs` for the queue to be written (shutdown); never blocks on the fd. */
  async flush(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.writeSoon();
    while ((this.queue.length > 0 || this.writing) && Date.now() < deadline && !this.failing) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Writes the queue now, blocking: only for the process's 'exit' event, when nothing asynchronous
   * runs any more. A failing destination loses the lines (never a hang: a full pipe answers EAGAIN).
   */
  flushSync(): void {
    if (this.queue.length === 0) return;
    const buffer = Buffer.from(this.queue.splice(0, this.queue.length).join(''), 'utf8');
    this.queuedBytes = 0;
    try {
      for (let offset = 0; offset < buffer.length;) offset += fs.writeSync(this.fd, buffer, offset);
    } catch {
      // Nowhere left to say it.
    }
  }

  private drop(lines: number): void {
    this.droppedTotal += lines;
    this.droppedUnreported += lines;
  }

  private gatherSoon(): void {
    if (this.writing || this.retryTimer || this.gatherTimer) return;
    this.gatherTimer = setTimeout(() => {
      this.gatherTimer = undefined;
      this.writeNext();
    }, this.coalesceMs);
    this.gatherTimer.unref();
  }

  private writeSoon(delayMs = 0): void {
    if (this.writing || this.retryTimer) return;
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    if (delayMs > 0) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.writeNext();
      }, delayMs);
      this.retryTimer.unref();
      return;
    }
    this.writeNext();
  }

  private writeNext(): void {
    if (this.queue.length === 0 && this.droppedUnreported === 0) return;
    const lines = this.queue.splice(0, this.queue.length);
    this.queuedBytes = 0;
    if (this.droppedUnreported > 0 && !this.failing) lines.unshift(droppedWarning(this.droppedUnreported));
    const reported = this.droppedUnreported > 0 && !this.failing ? this.droppedUnreported : 0;
    const buffer = Buffer.from(lines.join(''), 'utf8');
    this.writing = true;
    this.writeFrom(buffer, 0, lines.length, reported);
  }

  private writeFrom(buffer: Buffer, offset: number, lines: number, reported: number): void {
    fs.write(this.fd, buffer, offset, buffer.length - offset, null, (error, written) => {
      if (error) {
        this.writing = false;
        if (error.code === 'EAGAIN') {
          // A non-blocking pipe is full: keep the lines and try again shortly.
          this.queue.unshift(buffer.subarray(offset).toString('utf8'));
          this.queuedBytes += buffer.length - offset;
          this.writeSoon(RETRY_AFTER_EAGAIN_MS);
          return;
        }
        this.failing = true;
        this.drop(lines - (reported > 0 ? 1 : 0));
        this.writeSoon(RETRY_AFTER_FAILURE_MS);
        return;
      }
      if (offset + written < buffer.length) {
        this.writeFrom(buffer, offset + written, lines, reported);
        return;
      }
      this.writing = false;
      this.failing = false;
      this.droppedUnreported -= reported;
      // A queue that filled while this write ran goes at once: waiting would only let it drop lines.
      if (this.queuedBytes >= WRITE_AT_ONCE_BYTES) this.writeSoon();
      else if (this.queue.length > 0 || this.droppedUnreported > 0) this.gatherSoon();
    });
  }
}

function droppedWarning(count: number): string {
  return `${JSON.stringify({ level: 40, time: new Date().toISOString(), service: 'osteon', module: 'logging', dropped: count, msg: 'log lines were dropped: the log destination failed or fell behind' })}\n`;
}
