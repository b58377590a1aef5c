export type ModelStatus = 'candidate' | 'shadow' | 'active' | 'retired' | 'rejected';

export interface GateMetrics {
  readonly auroc: number | null;
  readonly sensitivity: number | null;
  readonly specificity: number | null;
  /** Mean squared error of the fracture probability against the labels; null in gates recorded before it existed. */
  readonly brier: number | null;
  readonly n: number;
}

export interface GateResult {
  readonly passed: boolean;
  readonly reasons: readonly string[];
  readonly frozen: { readonly candidate: GateMetrics; readonly active: GateMetrics };
  readonly newLabels: { readonly candidate: GateMetrics; readonly active: GateMetrics } | undefined;
}

/** One model in the registry: its files live in `dir` (a models folder with current.json). */
export interface ModelVersion {
  readonly id: string;
  readonly version: string;
  readonly dir: string;
  readonly status: ModelStatus;
  readonly source: 'shipped' | 'retrained';
  readonly createdAt: Date;
  readonly trainedOnLabels: number;
  readonly gate: GateResult | undefined;
  readonly history: ReadonlyArray<{ readonly status: ModelStatus; readonly at: Date; readonly by: string; readonly reason: string }>;
}
