import { ApiError } from "../../lib/result";
import { escapeHtml } from "../../web/layout";
import { publicPageResponse, renderPublicPage } from "../../web/public-shell";
import { wantsActivityJson } from "../activitypub/negotiate";

/**
 * Browsers get HTML 404 and 410 pages; API clients and federation keep their JSON answers.
 * A browser is a GET whose `Accept` lists `text/html` and does not prefer AS2, outside the API
 * and OAuth paths (apps call those with whatever `Accept` their HTTP library sends).
 */
const API_PATHS = /^\/(api|oauth|\.well-known|nodeinfo|inbox|users\/[^/]+\/inbox)(\/|$)/;

export function wantsHtmlError(request: Request, pathname: string): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  if (API_PATHS.test(pathname)) return false;
  const accept = request.headers.get("accept") ?? "";
  return /(^|,)\s*(text\/html|application\/xhtml\+xml)/i.test(accept) && !wantsActivityJson(request);
}

/** The HTML page for a 404 or 410 error a browser asked for (in the site's shell); null for anything else. */
export function browserErrorPage(err: unknown, siteTitle: string): Response | null {
  if (!(err instanceof ApiError)) return null;
  if (err.status === 404) return page(404, siteTitle, "Not found", "The page you are looking for is not here.");
  if (err.status === 410) return page(410, siteTitle, "Gone", "This account has been suspended or deleted.");
  return null;
}

function page(status: number, siteTitle: string, title: string, message: string): Response {
  const body = `<h1>${escapeHtml(title)}</h1>\n<p class="error">${escapeHtml(message)}</p>\n<p><a href="/">Go to the home page</a></p>`;
  const response = publicPageResponse(renderPublicPage({ siteTitle, title: `${title} – ${siteTitle}`, body }), status);
  response.headers.append("vary", "Accept");
  return response;
}
