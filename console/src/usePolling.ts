import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly setError: (error: string | undefined) => void;
  /** Loads now (e.g. after an action changed the data). */
  readonly refresh: () => Promise<void>;
}

/** Loads now and every `intervalMs` (again from the start when `deps` change); a failure shows as `error`. */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number, deps: readonly unknown[] = []): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const latest = useRef(load);
  latest.current = load;
  const refresh = useRef(async (): Promise<void> => {
    try {
      setData(await latest.current());
      setError(undefined);
    } catch (caught) {
      setError((caught as Error).message);
    }
  }).current;

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), intervalMs);
    return () => clearInterval(timer);
  }, deps);

  return { data, error, setError, refresh };
}
