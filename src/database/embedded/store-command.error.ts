/** A command refused with a MongoDB error code, answered as `{ok: 0, code, codeName, errmsg}`. */
export class StoreCommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'StoreCommandError';
  }
}
