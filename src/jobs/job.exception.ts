/** The job's input can never succeed (bad data): dead-letter at once, no retry. */
export class UnrecoverableJobError extends Error {}

/** The job's target no longer exists: finish quietly. */
export class JobTargetGoneError extends Error {}
