/**
 * The secret behind the `hash` and `encrypt` PII policies, and the three field functions built on it. One
 * 32-byte master key (from `SLUICE_PII_KEY`, a key file or an option) is split with HKDF-SHA256 into an HMAC
 * key and an AES key, so a hash never reveals anything about the encryption key and the other way round.
 * `hashField` is HMAC-SHA256 in lowercase hex (deterministic: it still works as a key or a join field);
 * `encryptField` is AES-256-GCM with a random 96-bit IV per value, written as
 * `enc:v1:<iv>:<tag>:<ciphertext>` (base64url); `decryptField` turns such a string back into the value.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { SluiceError } from "../core/errors.js";

/** The environment variable read when no key is passed: 32 bytes as 64 hex digits or base64. */
export const PII_KEY_ENV = "SLUICE_PII_KEY";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;
/** What `encryptField` writes: version 1, then IV, GCM tag and ciphertext in base64url. */
const ENCRYPTED = /^enc:v1:([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]*)$/;
/** What `hashField` writes. */
const HASHED = /^[0-9a-f]{64}$/;

/** The two keys derived from a master key. Make one with `PiiKey.from("<64 hex digits>")`. */
export class PiiKey {
  private constructor(
    readonly hmacKey: Buffer,
    readonly aesKey: Buffer,
  ) {}

  /**
   * A key from 32 raw bytes, or text holding 32 bytes as 64 hex digits or base64/base64url, e.g.
   * `PiiKey.from(process.env.SLUICE_PII_KEY!)` (make one with `openssl rand -hex 32`). Throws on anything else.
   */
  static from(material: string | Uint8Array, source = "the PII key"): PiiKey {
    const master = typeof material === "string" ? decodeKeyText(material.trim(), source) : material;
    if (master.length !== KEY_BYTES) {
      throw new SluiceError(`${source} must be ${KEY_BYTES} bytes, got ${master.length}`, "pii_key_invalid");
    }
    const derive = (info: string) => Buffer.from(hkdfSync("sha256", master, "sluice-pii", info, KEY_BYTES));
    return new PiiKey(derive("hmac-sha256 v1"), derive("aes-256-gcm v1"));
  }
}

/** Where a key may come from; the first one given wins, in this order. */
export interface PiiKeySource {
  /** The key itself: 32 bytes, or 64 hex digits / base64 text. */
  readonly piiKey?: string | Uint8Array;
  /** A file holding the key as 64 hex digits or base64 text (e.g. made by `openssl rand -hex 32 > FILE`). */
  readonly piiKeyFile?: string;
  /** The environment to read `SLUICE_PII_KEY` from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The configured key, or undefined when none is, e.g. `loadPiiKey({ piiKeyFile: "./pii.key" })`. */
export function loadPiiKey(source: PiiKeySource = {}): PiiKey | undefined {
  if (source.piiKey !== undefined) return PiiKey.from(source.piiKey, "piiKey");
  if (source.piiKeyFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(source.piiKeyFile, "utf8");
    } catch (error) {
      throw new SluiceError(
        `cannot read the PII key file ${source.piiKeyFile}: ${(error as Error).message}`,
        "pii_key_unreadable",
      );
    }
    return PiiKey.from(text, `the PII key file ${source.piiKeyFile}`);
  }
  const fromEnv = (source.env ?? process.env)[PII_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return PiiKey.from(fromEnv, PII_KEY_ENV);
  return undefined;
}

/**
 * HMAC-SHA256 of a value in lowercase hex (64 digits), e.g. `hashField("4111111111111111", key)` to look up a
 * record by a hashed field. A string is hashed as its UTF-8 text; any other value as its JSON text (so `1234`
 * and `"1234"` hash alike).
 */
export function hashField(value: unknown, key: PiiKey | string | Uint8Array): string {
  return createHmac("sha256", asKey(key).hmacKey).update(fieldText(value), "utf8").digest("hex");
}

/** Whether a value has the form `hashField` writes (64 lowercase hex digits). */
export function looksHashed(value: unknown): boolean {
  return typeof value === "string" && HASHED.test(value);
}

/** AES-256-GCM of a value's JSON text with a fresh random IV: `enc:v1:<iv>:<tag>:<ciphertext>` (base64url). */
export function encryptField(value: unknown, key: PiiKey | string | Uint8Array): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", asKey(key).aesKey, iv);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value) ?? "null", "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `enc:v1:${iv.toString("base64url")}:${tag.toString("base64url")}:${ciphertext.toString("base64url")}`;
}

/**
 * The value an `encrypt` policy protected, e.g. `decryptField(row.email, PiiKey.from(process.env.SLUICE_PII_KEY!))`
 * → `"alice@example.com"`. Throws when the text is not `enc:v1:...` or was not made with this key (or altered).
 */
export function decryptField(text: string, key: PiiKey | string | Uint8Array): unknown {
  const match = typeof text === "string" ? ENCRYPTED.exec(text) : null;
  if (match === null) throw new TypeError("not an encrypted field: expected enc:v1:<iv>:<tag>:<ciphertext>");
  const iv = Buffer.from(match[1]!, "base64url");
  const tag = Buffer.from(match[2]!, "base64url");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new TypeError("not an encrypted field");
  const decipher = createDecipheriv("aes-256-gcm", asKey(key).aesKey, iv);
  decipher.setAuthTag(tag);
  let plain: string;
  try {
    plain = Buffer.concat([decipher.update(Buffer.from(match[3]!, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new Error("cannot decrypt the field: wrong key, or the text was altered");
  }
  return JSON.parse(plain);
}

/** Whether a value has the form `encryptField` writes. */
export function looksEncrypted(value: unknown): value is string {
  return typeof value === "string" && ENCRYPTED.test(value);
}

function asKey(key: PiiKey | string | Uint8Array): PiiKey {
  return key instanceof PiiKey ? key : PiiKey.from(key);
}

function fieldText(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? "null");
}

function decodeKeyText(text: string, source: string): Buffer {
  if (HEX_KEY.test(text)) return Buffer.from(text, "hex");
  if (BASE64_KEY.test(text)) return Buffer.from(text, "base64url");
  throw new SluiceError(
    `${source} must be ${KEY_BYTES} bytes written as 64 hex digits or base64 (make one with: openssl rand -hex 32)`,
    "pii_key_invalid",
  );
}
