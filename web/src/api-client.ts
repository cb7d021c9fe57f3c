/**
 * Calls the Sluice HTTP API with the stored API key (`Authorization: Bearer <key>`, or `?key=` for an
 * EventSource, which cannot send headers). Every call resolves to a result, never throws: a failed call
 * carries the server's `{"error": {code, message, details}}` or a network error, and a 401 also asks the
 * user for a key through `onUnauthorized`.
 */
import type { ApiKeyStore } from "./api-key-store.js";

export interface ApiFailure {
  /** HTTP status, 0 when the server could not be reached. */
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export type ApiResult<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly error: ApiFailure };

export class ApiClient {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly onUnauthorized: (failure: ApiFailure) => void,
  ) {}

  /** `GET path`, e.g. `await api.get<{ streams: StreamSummary[] }>("/v1/streams")`. */
  get<T>(path: string, signal?: AbortSignal): Promise<ApiResult<T>> {
    return this.call<T>("GET", path, undefined, signal);
  }

  /** `POST path` with a JSON body. */
  post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<ApiResult<T>> {
    return this.call<T>("POST", path, body, signal);
  }

  /** The url of an SSE route, with the key as `?key=` when one is stored. */
  eventSourceUrl(path: string): string {
    const key = this.keys.get();
    if (key === null) return path;
    return `${path}${path.includes("?") ? "&" : "?"}key=${encodeURIComponent(key)}`;
  }

  private async call<T>(
    method: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { accept: "application/json" };
    const key = this.keys.get();
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      return {
        ok: false,
        error: { status: 0, code: "network", message: `cannot reach the server: ${String(error)}` },
      };
    }
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch {
      parsed = undefined;
    }
    if (response.ok) return { ok: true, data: parsed as T };
    const failure = toFailure(response.status, parsed);
    if (response.status === 401) this.onUnauthorized(failure);
    return { ok: false, error: failure };
  }
}

function toFailure(status: number, body: unknown): ApiFailure {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
    ?.error;
  if (error !== undefined && typeof error.message === "string") {
    return {
      status,
      code: typeof error.code === "string" ? error.code : String(status),
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    };
  }
  return { status, code: String(status), message: `the server answered ${status}` };
}
