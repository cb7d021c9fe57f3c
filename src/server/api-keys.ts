/**
 * API keys and their scopes (DESIGN §4): `ingest:<stream|*>`, `read:<view-or-stream|*>`, `admin` (everything).
 * Keys are kept only as SHA-256 digests and compared in constant time. A request presents its key as
 * `Authorization: Bearer <key>` or `X-API-Key: <key>`.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export interface ApiKeySpec {
  /** The secret, at least 16 characters. */
  readonly key: string;
  /** E.g. `["ingest:readings", "read:*"]`. */
  readonly scopes: readonly string[];
  /** How the audit log and request logs name the key (default `sha256:` and 12 hex digits of its digest). */
  readonly name?: string;
}

/** What a route needs: ingest into a stream, read a view or stream (`"*"`: list all), or admin. */
export type Permission =
  | { readonly kind: "ingest"; readonly stream: string }
  | { readonly kind: "read"; readonly resource: string }
  | { readonly kind: "admin" };

/** The scopes of the key a request presented. */
export class Principal {
  constructor(
    private readonly scopes: ReadonlySet<string>,
    /** The key's name or fingerprint, never the key: `"open"` when the server runs without keys. */
    readonly keyId = "open",
  ) {}

  /** Whether these scopes allow `permission`, e.g. `principal.allows({ kind: "read", resource: "stats" })`. */
  allows(permission: Permission): boolean {
    const s = this.scopes;
    if (s.has("admin")) return true;
    switch (permission.kind) {
      case "ingest":
        return s.has("ingest:*") || s.has(`ingest:${permission.stream}`);
      case "read":
        return s.has("read:*") || s.has(`read:${permission.resource}`);
      case "admin":
        return false;
    }
  }
}

/** Everything is allowed: the server runs open (loopback, no keys). */
export const OPEN_PRINCIPAL = new Principal(new Set(["admin"]));

const SCOPE = /^(admin|(ingest|read):(\*|[A-Za-z0-9_.-]{1,128}))$/;
const MIN_KEY_LENGTH = 16;

interface HashedKey {
  readonly digest: Buffer;
  readonly principal: Principal;
}

/** The configured keys, hashed, e.g. `new ApiKeyRing([{ key: process.env.KEY!, scopes: ["admin"] }])`. */
export class ApiKeyRing {
  private readonly keys: HashedKey[];

  constructor(specs: readonly ApiKeySpec[]) {
    this.keys = specs.map((spec, i) => {
      if (typeof spec.key !== "string" || spec.key.length < MIN_KEY_LENGTH) {
        throw new RangeError(
          `apiKeys[${i}]: a key must be a string of at least ${MIN_KEY_LENGTH} characters`,
        );
      }
      for (const scope of spec.scopes) {
        if (!SCOPE.test(scope)) {
          throw new RangeError(
            `apiKeys[${i}]: unknown scope ${JSON.stringify(scope)}; use "ingest:<stream|*>", "read:<view|*>" or "admin"`,
          );
        }
      }
      const keyDigest = digest(spec.key);
      const keyId = spec.name ?? `sha256:${keyDigest.toString("hex").slice(0, 12)}`;
      return { digest: keyDigest, principal: new Principal(new Set(spec.scopes), keyId) };
    });
  }

  /** No keys configured. */
  get empty(): boolean {
    return this.keys.length === 0;
  }

  /** The principal of a presented key, or undefined when it matches none. Every key is compared. */
  authenticate(presented: string): Principal | undefined {
    const d = digest(presented);
    let found: Principal | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, d) && found === undefined) found = key.principal;
    }
    return found;
  }
}

/** The key in `Authorization: Bearer <key>` or `X-API-Key`, or undefined. */
export function presentedKey(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match !== null) return match[1];
  }
  const header = headers["x-api-key"];
  return typeof header === "string" && header.length > 0 ? header : undefined;
}

/** Whether a host name or address is the loopback interface. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}
