/**
 * Reading query-string parameters of the read routes, with 400s that name the parameter.
 */
import { ApiError } from "./api-error.js";

export type Query = Readonly<Record<string, unknown>>;

/** An integer parameter within `[min, max]`, or `fallback` when absent, e.g. `intParam(q, "limit", 100, 0, 10_000)`. */
export function intParam(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === "") return fallback;
  const n = typeof raw === "string" && /^-?\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ApiError(400, "bad_parameter", `${name} must be an integer from ${min} to ${max}`, {
      parameter: name,
    });
  }
  return n;
}

/** A string parameter, or undefined when absent; 400 when repeated. */
export function stringParam(query: Query, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== "string") {
    throw new ApiError(400, "bad_parameter", `${name} must be given once`, { parameter: name });
  }
  return raw;
}

/** One of `allowed`, or `fallback` when absent. */
export function enumParam<T extends string>(
  query: Query,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = stringParam(query, name);
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ApiError(400, "bad_parameter", `${name} must be one of ${allowed.join(", ")}`, {
      parameter: name,
    });
  }
  return raw as T;
}
