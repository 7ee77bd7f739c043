/** An engine error: the whole scheduling attempt fails (R6.3), reported in the extender's `Error`. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
}
