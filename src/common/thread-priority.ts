import fs from 'node:fs';
import os from 'node:os';

/**
 * Lowers the calling thread's CPU priority (Linux: a nice value per thread). Threads it starts
 * afterwards inherit it: onnxruntime's intra-op pool, made when the worker loads the model. Never
 * raises a priority (that needs privileges). Returns the nice value now in force, or undefined where
 * the platform has no per-thread priority.
 */
export function lowerThreadPriority(nice: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    // "<pid>/task/<tid>": the kernel's id of this very thread, which os.setPriority takes as a pid.
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    const current = os.getPriority(tid);
    if (nice > current) os.setPriority(tid, Math.min(19, nice));
    return os.getPriority(tid);
  } catch {
    return undefined;
  }
}
