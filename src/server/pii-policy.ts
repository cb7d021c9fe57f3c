/**
 * Per-field PII policies of a stream, e.g. `pii: { "card.number": "hash", email: "mask", ssn: "drop",
 * name: "encrypt" }`, applied to every record after it was cleansed and validated and before anything is
 * written (the stream log, the dead-letter ledger, and so views and log lines). Paths are dotted field names
 * into nested objects; an array on the way is walked element by element. The walk fails closed: a scalar
 * where the path expects an object (`"card": "4111..."` for `card.number`) is protected whole, and a literal
 * dotted key (`"card.number": ...`) is protected as the path it spells. Rejected records get the same
 * treatment; one that is not an object is dead-lettered as a placeholder, since no path can say what it holds.
 */
import { SluiceError } from "../core/errors.js";
import {
  decryptField,
  encryptField,
  hashField,
  looksEncrypted,
  looksHashed,
  type PiiKey,
} from "./pii-key.js";

/**
 * - `drop`: the field is removed.
 * - `mask`: a string of `"****"` and the value's last 4 characters when it has at least 8 (never more than
 *   half of it), else `"****"` alone; a number is masked as its decimal text, any other value becomes `"****"`.
 * - `hash`: HMAC-SHA256 in lowercase hex (`hashField`).
 * - `encrypt`: AES-256-GCM, `enc:v1:<iv>:<tag>:<ciphertext>` (`encryptField`; `decryptField` reverses it).
 */
export type PiiAction = "drop" | "mask" | "hash" | "encrypt";

/** Field path → action, e.g. `{ "card.number": "hash", email: "mask" }`. */
export type PiiPolicies = Readonly<Record<string, PiiAction>>;

const ACTIONS: readonly PiiAction[] = ["drop", "mask", "hash", "encrypt"];
const PATH = /^[^.]+(\.[^.]+)*$/;
const MASK = "****";
const MASK_KEEP = 4;

/** Throws a TypeError naming the stream when a policy is not `{ "<path>": "drop"|"mask"|"hash"|"encrypt" }`. */
export function checkPiiPolicies(stream: string, policies: unknown): asserts policies is PiiPolicies {
  const at = `stream ${JSON.stringify(stream)}: pii`;
  if (typeof policies !== "object" || policies === null || Array.isArray(policies)) {
    throw new TypeError(`${at} must be an object of field path → "drop" | "mask" | "hash" | "encrypt"`);
  }
  for (const [path, action] of Object.entries(policies)) {
    if (!PATH.test(path)) {
      throw new TypeError(
        `${at}: ${JSON.stringify(path)} is not a field path (e.g. "email" or "card.number")`,
      );
    }
    if (!ACTIONS.includes(action as PiiAction)) {
      throw new TypeError(
        `${at}.${path}: unknown action ${JSON.stringify(action)}; use "drop", "mask", "hash" or "encrypt"`,
      );
    }
  }
}

/** The paths whose action needs a key (`hash`, `encrypt`), e.g. `["card.number: hash"]`. */
export function keyedPolicies(policies: PiiPolicies): string[] {
  return Object.entries(policies)
    .filter(([, action]) => action === "hash" || action === "encrypt")
    .map(([path, action]) => `${path}: ${action}`);
}

/** `mask`'s output, e.g. `maskValue("4111111111111234")` → `"****1234"`, `maskValue("abc")` → `"****"`. */
export function maskValue(value: unknown): string {
  const text = typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
  const chars = Array.from(text);
  return chars.length >= 2 * MASK_KEEP ? MASK + chars.slice(-MASK_KEEP).join("") : MASK;
}

/** What the dead-letter ledger keeps of a rejected record that is not an object, on a stream with PII policies. */
export const WITHHELD_RECORD = Object.freeze({
  withheld: "the record is not an object, so the stream's PII policies cannot tell what it holds",
});

interface CompiledPolicy {
  readonly path: readonly string[];
  readonly action: PiiAction;
}

/**
 * A stream's policies with the key they need, applying them in place, e.g.
 * `const protector = new RecordProtector(stream.pii, key); protector.protect(record)`.
 * Throws at construction when a `hash` or `encrypt` policy has no key.
 */
export class RecordProtector {
  private readonly policies: readonly CompiledPolicy[];

  constructor(
    policies: PiiPolicies,
    private readonly key: PiiKey | undefined,
    stream = "",
  ) {
    const keyed = keyedPolicies(policies);
    if (keyed.length > 0 && key === undefined) {
      throw new SluiceError(
        `stream ${JSON.stringify(stream)} declares PII policies that need a key (${keyed.join(", ")}), but no ` +
          "PII key is configured: set SLUICE_PII_KEY to 32 bytes as 64 hex digits (openssl rand -hex 32), " +
          "or pass piiKey / piiKeyFile (sluice run --pii-key-file FILE)",
        "pii_key_missing",
        { stream, policies: keyed },
      );
    }
    this.policies = Object.entries(policies).map(([path, action]) => ({ path: path.split("."), action }));
  }

  /**
   * The paths whose originals cannot come back (`drop`, `mask`, `hash`): a replayed dead letter holds their
   * protected form, so replay validation ignores what the schema says about them.
   */
  get irreversiblePaths(): string[] {
    return this.policies.filter((p) => p.action !== "encrypt").map((p) => p.path.join("."));
  }

  /** Protects a record in place (a record that is not an object is left as it is). */
  protect(record: unknown): void {
    for (const policy of this.policies) this.apply(record, policy, false);
  }

  /**
   * Protects one request's accepted records and its rejected ones before they are written; a rejected record
   * that is not an object is replaced by `WITHHELD_RECORD`.
   */
  protectBatch(accepted: readonly unknown[], rejected: { record: unknown }[]): void {
    for (const record of accepted) this.protect(record);
    for (const r of rejected) {
      if (typeof r.record === "object" && r.record !== null && !Array.isArray(r.record))
        this.protect(r.record);
      else r.record = WITHHELD_RECORD;
    }
  }

  /**
   * Protects a record replayed from the dead-letter ledger, whose fields may already be protected: values
   * already hashed (64 hex digits) are kept, masking is idempotent, and the rest is as `protect`.
   */
  protectReplayed(record: unknown): void {
    for (const policy of this.policies) this.apply(record, policy, true);
  }

  /**
   * Undoes `encrypt` on a dead-lettered record about to be replayed, so validation sees the original values
   * (they are encrypted again by `protectReplayed`). A value that does not decrypt with this key is kept.
   */
  revealForReplay(record: unknown): void {
    const key = this.key;
    if (key === undefined) return;
    for (const { path, action } of this.policies) {
      if (action !== "encrypt") continue;
      visit(record, path, 0, (holder, field) => {
        const value = holder[field];
        if (!looksEncrypted(value)) return;
        try {
          holder[field] = decryptField(value, key);
        } catch {
          // Not ours (another key, or altered): leave it encrypted.
        }
      });
    }
  }

  private apply(record: unknown, { path, action }: CompiledPolicy, replayed: boolean): void {
    visit(record, path, 0, (holder, field) => {
      const value = holder[field];
      let protectedValue: unknown;
      switch (action) {
        case "drop":
          if (Array.isArray(holder)) holder[field] = null;
          else delete holder[field];
          return;
        case "mask":
          protectedValue = maskValue(value);
          break;
        case "hash":
          protectedValue = replayed && looksHashed(value) ? value : hashField(value, this.key!);
          break;
        case "encrypt":
          protectedValue = encryptField(value, this.key!);
          break;
      }
      holder[field] = protectedValue;
    });
  }
}

/** An object or an array, indexed by field name or position. */
type Holder = Record<string | number, unknown>;

/**
 * Calls `act(holder, field)` for every place holding a value at the path: the last segment's field, a
 * scalar found where the path expects an object (or an array of them), and a literal dotted key spelling
 * the rest of the path. Walks arrays on the way. Records reaching it have passed the nesting limit.
 */
function visit(
  value: unknown,
  path: readonly string[],
  depth: number,
  act: (holder: Holder, field: string | number) => void,
): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const element = value[i];
      if (typeof element === "object" && element !== null) visit(element, path, depth, act);
      else if (depth > 0 && element !== null && element !== undefined) act(value as unknown as Holder, i);
    }
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const holder = value as Record<string, unknown>;
  if (depth < path.length - 1) {
    const rest = path.slice(depth).join(".");
    if (Object.hasOwn(holder, rest)) act(holder, rest);
  }
  const field = path[depth]!;
  if (!Object.hasOwn(holder, field)) return;
  if (depth === path.length - 1) {
    act(holder, field);
    return;
  }
  const next = holder[field];
  if (typeof next === "object" && next !== null) visit(next, path, depth + 1, act);
  else if (next !== null && next !== undefined) act(holder, field);
}
