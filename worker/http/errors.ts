import { ApiError } from "../../lib/result";

/** The one place an error becomes a response: `{"error": ...}` with its status, or a logged 500. */
export function toErrorResponse(err: unknown): Response {
  if (err instanceof ApiError) {
    return Response.json({ error: err.message, ...err.extra }, { status: err.status });
  }
  console.error("unhandled error", err instanceof Error ? err.stack ?? err.message : err);
  return Response.json({ error: "Internal server error" }, { status: 500 });
}
