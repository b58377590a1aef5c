import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { collectNow, LARGE_TASK_PIXELS } from './large-buffer-collector';

/** What an image of unknown size (no Rows/Columns in its record) is counted as: a large radiograph. */
const UNKNOWN_IMAGE_PIXELS = 10_000_000;

/** An image's pixels by its header's Rows and Columns, for the budget. */
export function pixelsOf(image: { readonly rows: number | undefined; readonly columns: number | undefined }): number {
  return image.rows && image.columns ? image.rows * image.columns : UNKNOWN_IMAGE_PIXELS;
}

interface Waiting {
  readonly pixels: number;
  readonly admit: () => void;
}

/**
 * How many pixels the jobs that read images (analysis, archiving results) hold decoded at once in
 * this process: a 10-megapixel radiograph's grey, its rendered capture and their copies take 40-60 MB
 * while it is read or archived, a small one a few. Work waits, first come first served, until its
 * pixels fit beside what runs; one image larger than the whole budget runs alone. So two small
 * studies are still read side by side, and two large ones one after the other. After a large image
 * this thread's heap is collected at once (as the pixel worker does): V8 frees a dead buffer only
 * with the object that owned it, and starts that only after ~64 MB more buffer memory. That
 * collection stops the main thread for 60-85 ms (measured on an idle engine's 44 MB heap); receiving
 * defers new reading jobs, so it falls inside a burst only when one began mid-image. A young-generation
 * collection instead (~1 ms) left the peak at 396 MB in the run below.
 * Measured (bench:ingest --read-after, 30 ten-megapixel studies, issue 21): peak RSS 434-436 MB
 * before, 409-419 with the budget alone, 421 with the collection alone, 357-371 with both; the 30
 * were read in 46-49 s instead of 38-43.
 */
@Injectable()
export class ImageMemoryBudget {
  private readonly budget: number;
  private running = 0;
  private inFlight = 0;
  private readonly queue: Waiting[] = [];

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'jobs'>) {
    this.budget = config.jobs.readMegapixels * 1_000_000;
  }

  async run<T>(pixels: number, work: () => Promise<T>): Promise<T> {
    await this.admit(Math.max(0, pixels));
    try {
      return await work();
    } finally {
      this.release(Math.max(0, pixels));
      if (pixels >= LARGE_TASK_PIXELS) collectNow();
    }
  }

  private admit(pixels: number): Promise<void> {
    if (this.queue.length === 0 && this.fits(pixels)) {
      this.take(pixels);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push({ pixels, admit: resolve }));
  }

  private fits(pixels: number): boolean {
    return this.inFlight === 0 || this.running + pixels <= this.budget;
  }

  private take(pixels: number): void {
    this.running += pixels;
    this.inFlight += 1;
  }

  private release(pixels: number): void {
    this.running -= pixels;
    this.inFlight -= 1;
    while (this.queue.length > 0 && this.fits((this.queue[0] as Waiting).pixels)) {
      const next = this.queue.shift() as Waiting;
      this.take(next.pixels);
      next.admit();
    }
  }
}
