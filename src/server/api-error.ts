/**
 * The HTTP API's one error shape, `{"error": {"code", "message", "details"?}}`: `ApiError` carries a status and
 * a stable machine-readable code; `toErrorReply` turns any error thrown in a route (ours, or Fastify's own,
 * such as a body over the limit) into that shape.
 */

/** The body of every error reply, e.g. `{ error: { code: "unknown_stream", message: "..." } }`. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: unknown;
  };
}

/** An error a route answers with, e.g. `throw new ApiError(404, "unknown_view", 'no view "x"')`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }

  body(): ErrorBody {
    return errorBody(this.code, this.message, this.details);
  }
}

/** An error body, e.g. `errorBody("not_found", "no route GET /x")`. */
export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Fastify's own error codes, mapped to the API's codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "body_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "bad_content_length",
  FST_ERR_CTP_EMPTY_JSON_BODY: "empty_body",
  FST_ERR_CTP_INVALID_JSON_BODY: "malformed_json",
  FST_ERR_VALIDATION: "bad_request",
  FST_ERR_MAX_PARAM_LENGTH: "uri_too_long",
  FST_ERR_BAD_URL: "bad_url",
};

/** Any error as a status and an error body; unknown errors are 500s whose message is not leaked. */
export function toErrorReply(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ApiError) return { status: error.statusCode, body: error.body() };
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  const status =
    typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  if (status >= 500) return { status, body: errorBody("internal", "internal server error") };
  const code = typeof e.code === "string" ? (FASTIFY_CODES[e.code] ?? "bad_request") : "bad_request";
  const message = typeof e.message === "string" ? e.message : "bad request";
  return { status, body: errorBody(code, message) };
}
