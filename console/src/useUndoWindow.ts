import { useEffect, useRef, useState } from 'preact/hooks';

export interface PendingAction {
  readonly label: string;
  readonly secondsLeft: number;
}

export interface UndoWindow {
  readonly pending: PendingAction | undefined;
  /** Runs `action` after the window unless undone; a second start while one is pending is ignored. */
  readonly start: (label: string, action: () => Promise<void>) => void;
  readonly undo: () => void;
}

/**
 * A sign-off waits `delayMs` in the browser before anything is sent: until then Undo drops it and
 * nothing reaches the engine. Leaving the screen drops it too (never a signature nobody saw go).
 */
export function useUndoWindow(delayMs: number): UndoWindow {
  const [pending, setPending] = useState<PendingAction>();
  const action = useRef<(() => Promise<void>) | undefined>(undefined);
  const timers = useRef<Array<ReturnType<typeof setTimeout>>>([]);

  const clear = (): void => {
    timers.current.forEach((timer) => clearTimeout(timer));
    timers.current = [];
  };

  useEffect(() => () => clear(), []);

  const start = (label: string, run: () => Promise<void>): void => {
    if (action.current) return;
    action.current = run;
    const seconds = Math.ceil(delayMs / 1000);
    setPending({ label, secondsLeft: seconds });
    for (let left = seconds - 1; left > 0; left -= 1) {
      timers.current.push(setTimeout(() => setPending({ label, secondsLeft: left }), delayMs - left * 1000));
    }
    timers.current.push(
      setTimeout(() => {
        const due = action.current;
        action.current = undefined;
        clear();
        setPending(undefined);
        if (due) void due();
      }, delayMs),
    );
  };

  const undo = (): void => {
    clear();
    action.current = undefined;
    setPending(undefined);
  };

  return { pending, start, undo };
}
