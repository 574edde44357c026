import { noteRate, type RateInfo } from "./rate-limit";

/**
 * The one error type: an HTTP status and a message that is safe to show. Thrown anywhere in a
 * request handler; the HTTP layer turns it into a Mastodon-shaped response in one place.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what = "Record not found") => new ApiError(404, what);
export const unprocessable = (message: string, details?: Record<string, unknown>) =>
  new ApiError(422, message, details ? { details } : {});
export const badRequest = (message: string) => new ApiError(400, message);
export const unauthorized = (message = "The access token is invalid") => new ApiError(401, message);
export const forbidden = (message = "This action is outside the authorized scopes") =>
  new ApiError(403, message);

/** Mastodon's per-field validation errors, and OAuth's error_description. Typed precisely (not
 * `unknown`) so that the failure branch survives the RPC stub's serializable-type mapping. */
export interface FailureExtra {
  details?: Record<string, { error: string; description: string }[]>;
  error_description?: string;
}
/** Results crossing an RPC boundary: exceptions lose their type there, so objects return these. */
export type Result<T> = ({ ok: true; value: T } | { ok: false; status: number; error: string; extra?: FailureExtra }) & {
  /** The caller's rate-limit standing, when the object that answered counts requests. */
  rate?: RateInfo;
};

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (status: number, error: string, extra?: FailureExtra): Result<never> => ({
  ok: false,
  status,
  error,
  extra,
});

/** The success value transformed; a failure passes through unchanged. */
export const mapResult = <T, U>(result: Result<T>, f: (value: T) => U): Result<U> => (result.ok ? ok(f(result.value)) : result);

/** Turns a failed Result into a thrown ApiError; returns the value otherwise. */
export function unwrap<T>(result: Result<T>): T {
  noteRate(result.rate);
  if (result.ok) return result.value;
  throw new ApiError(result.status, result.error, { ...result.extra });
}
