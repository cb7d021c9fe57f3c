/**
 * The error an aggregate throws when a checkpoint holds a snapshot it cannot restore.
 */
import { SluiceError } from "../core/errors.js";

/**
 * A checkpoint held a snapshot this aggregate cannot restore, e.g.
 * `throw new InvalidSnapshotError("count", "a non-negative integer", saved)`.
 */
export class InvalidSnapshotError extends SluiceError {
  override readonly name = "InvalidSnapshotError";
  constructor(
    readonly kind: string,
    expected: string,
    saved: unknown,
  ) {
    super(
      `${kind}: cannot restore the checkpointed accumulator: expected ${expected}, got ${describe(saved)}. ` +
        "The checkpoint was probably written by a different aggregate or with different options; restore " +
        "the pipeline version that wrote it, or start this step without state.",
      "invalid_snapshot",
      { kind },
    );
  }
}

function describe(saved: unknown): string {
  if (saved === null) return "null";
  if (Array.isArray(saved)) return `an array of ${saved.length}`;
  if (typeof saved === "object") return `an object with keys [${Object.keys(saved).slice(0, 8).join(", ")}]`;
  const text = String(saved);
  return `${typeof saved} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}
