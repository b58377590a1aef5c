import type { Ref } from 'preact';
import { BODY_PARTS, type BodyPart, type Urgency } from '../logic/types';
import { activeFilterCount, NO_FILTERS, VIEWS, type WorklistFilters, type WorklistView } from '../logic/worklist-view';

const URGENCIES: readonly Urgency[] = ['urgent', 'soon', 'routine'];

/** The view tabs (keys 1–4) and the filters; the search field takes `/`. */
export function WorklistFilterBar({
  view,
  filters,
  searchRef,
  onView,
  onFilters,
}: {
  view: WorklistView;
  filters: WorklistFilters;
  searchRef: Ref<HTMLInputElement>;
  onView: (view: WorklistView) => void;
  onFilters: (filters: WorklistFilters) => void;
}) {
  const set = (change: Partial<WorklistFilters>): void => onFilters({ ...filters, ...change });
  return (
    <>
      <nav class="views" aria-label="Worklist views">
        {VIEWS.map((entry) => (
          <button
            key={entry.view}
            type="button"
            aria-pressed={entry.view === view}
            class={entry.view === view ? 'primary' : undefined}
            onClick={() => onView(entry.view)}
          >
            {entry.label} <kbd>{entry.key}</kbd>
          </button>
        ))}
      </nav>
      <form class="filters" role="search" aria-label="Filter the worklist" onSubmit={(event) => event.preventDefault()}>
        <label>
          <span>
            Patient or accession <kbd>/</kbd>
          </span>
          <input
            ref={searchRef}
            type="search"
            value={filters.search}
            maxLength={64}
            onInput={(event) => set({ search: event.currentTarget.value })}
          />
        </label>
        <label>
          Urgency
          <select value={filters.urgency} onChange={(event) => set({ urgency: event.currentTarget.value as Urgency | '' })}>
            <option value="">any</option>
            {URGENCIES.map((urgency) => (
              <option key={urgency} value={urgency}>
                {urgency}
              </option>
            ))}
          </select>
        </label>
        <label>
          Body part
          <select value={filters.bodyPart} onChange={(event) => set({ bodyPart: event.currentTarget.value as BodyPart | '' })}>
            <option value="">any</option>
            {BODY_PARTS.map((part) => (
              <option key={part} value={part}>
                {part}
              </option>
            ))}
          </select>
        </label>
        <label>
          Study date from
          <input type="date" value={filters.from} onInput={(event) => set({ from: event.currentTarget.value })} />
        </label>
        <label>
          Study date to
          <input type="date" value={filters.to} onInput={(event) => set({ to: event.currentTarget.value })} />
        </label>
        <button type="button" disabled={activeFilterCount(filters) === 0} onClick={() => onFilters(NO_FILTERS)}>
          Clear filters
        </button>
      </form>
    </>
  );
}
