import { ApiError } from "../../lib/result";
import { localizeValidation, messageLanguage } from "../../core/validation-i18n";

/**
 * The one place an error becomes a response: `{"error": ...}` with its status, or a logged 500.
 * Validation messages follow the request's `lang` parameter or `Accept-Language`, as Mastodon's
 * (core/validation-i18n.ts); others stay English, as Mastodon's API errors do.
 */
export function toErrorResponse(err: unknown, request?: Request, url?: URL): Response {
  if (err instanceof ApiError) {
    const language = err.status === 422 && request ? messageLanguage(url?.searchParams.get("lang") ?? null, request.headers.get("accept-language")) : null;
    const localized = language ? localizeValidation(err.message, err.extra.details, language) : { error: err.message };
    return Response.json({ error: localized.error, ...err.extra, ...(localized.details ? { details: localized.details } : {}) }, { status: err.status });
  }
  console.error("unhandled error", err instanceof Error ? err.stack ?? err.message : err);
  return Response.json({ error: "Internal server error" }, { status: 500 });
}
