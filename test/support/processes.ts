import { spawn, type ChildProcess } from 'node:child_process';

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Ends the process and waits until it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a process directly (no shell wrapper) so the PID we hold is the server itself. */
export function startProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; readyLine?: RegExp; timeoutMs?: number } = {},
): Promise<RunningProcess> {
  const child = spawn(command, [...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => (buffered += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (buffered += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: RunningProcess = {
    child,
    output: () => buffered,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  if (!options.readyLine) return Promise.resolve(running);
  const readyLine = options.readyLine;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} not ready in time:\n${buffered.slice(-2000)}`));
    }, options.timeoutMs ?? 30_000);
    const check = (): void => {
      if (readyLine.test(buffered)) {
        clearTimeout(timer);
        resolve(running);
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready:\n${buffered.slice(-2000)}`));
    });
  });
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
