/**
 * Garbage between MLLP frames, counted per burst: consecutive junk with no frame in between and
 * less than `quietMs` between pieces is one burst. The sender gets one NAK per burst (4 KB of stray
 * end-of-frame bytes used to get 2,000 NAKs) and the log one line when the burst ends.
 */
export class MllpJunkBurst {
  private pieces = 0;
  private lastAt = 0;

  constructor(private readonly quietMs = 1000) {}

  /** A piece of junk arrived; true when it starts a burst (answer it with a NAK). */
  junk(now = Date.now()): { startsBurst: boolean; ended: number } {
    const ended = this.pieces > 0 && now - this.lastAt > this.quietMs ? this.end() : 0;
    const startsBurst = this.pieces === 0;
    this.pieces += 1;
    this.lastAt = now;
    return { startsBurst, ended };
  }

  /** A frame arrived or the connection closed: the burst (if any) ends; returns its size. */
  end(): number {
    const pieces = this.pieces;
    this.pieces = 0;
    return pieces;
  }
}
