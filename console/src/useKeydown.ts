import { useEffect, useRef } from 'preact/hooks';

/**
 * Calls `handler` for every key press on the window, always the handler of the latest render.
 * Re-registering a listener in an effect lags the painted screen: a key pressed on a freshly
 * shown report could still reach the previous render's closure and be dropped.
 */
export function useKeydown(handler: (event: KeyboardEvent) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const listener = (event: KeyboardEvent): void => latest.current(event);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);
}
