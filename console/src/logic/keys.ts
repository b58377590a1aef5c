export type WorklistCommand = 'next' | 'previous' | 'open' | 'take' | 'search' | 'view-1' | 'view-2' | 'view-3' | 'view-4';
export type ReportCommand = 'agree' | 'take' | 'undo' | 'next' | 'previous' | 'toggle-heatmap' | 'back';

interface KeyLike {
  readonly key: string;
  readonly ctrlKey?: boolean;
  readonly metaKey?: boolean;
  readonly altKey?: boolean;
  readonly target?: unknown;
}

/** Typing in a field never triggers a shortcut. */
function isTyping(event: KeyLike): boolean {
  const target = event.target as { tagName?: string; isContentEditable?: boolean } | null | undefined;
  const tag = target?.tagName?.toUpperCase();
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target?.isContentEditable === true;
}

export function worklistCommand(event: KeyLike): WorklistCommand | undefined {
  if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return undefined;
  switch (event.key) {
    case 'j':
    case 'ArrowDown':
      return 'next';
    case 'k':
    case 'ArrowUp':
      return 'previous';
    case 'Enter':
      return 'open';
    case 't':
      return 'take';
    case '/':
      return 'search';
    case '1':
    case '2':
    case '3':
    case '4':
      return `view-${event.key}` as WorklistCommand;
    default:
      return undefined;
  }
}

export function reportCommand(event: KeyLike): ReportCommand | undefined {
  if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return undefined;
  switch (event.key) {
    case 'a':
      return 'agree';
    case 't':
      return 'take';
    case 'u':
      return 'undo';
    case 'j':
      return 'next';
    case 'k':
      return 'previous';
    case 'h':
      return 'toggle-heatmap';
    case 'Escape':
      return 'back';
    default:
      return undefined;
  }
}

/** Moves a selection within `length` items, staying at the ends. */
export function moveSelection(index: number, length: number, command: 'next' | 'previous'): number {
  if (length === 0) return 0;
  const next = command === 'next' ? index + 1 : index - 1;
  return Math.min(length - 1, Math.max(0, next));
}
