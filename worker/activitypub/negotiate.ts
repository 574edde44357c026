import { AS2_CONTENT_TYPE } from "../../lib/federation/context";

/**
 * Content negotiation on the shared URLs (`/users/:name`, `/@:name`, status URLs): AS2 for
 * `application/activity+json`, `application/ld+json` (the ActivityStreams profile or none) and
 * plain `application/json` as Mastodon answers them; HTML otherwise. When both are acceptable
 * the higher `q` wins, AS2 on a tie (peers rarely list HTML at all).
 */
const AS2_TYPES = new Set(["application/activity+json", "application/ld+json", "application/json"]);
const HTML_TYPES = new Set(["text/html", "application/xhtml+xml"]);

export function wantsActivityJson(request: Request): boolean {
  const accept = request.headers.get("accept");
  if (!accept) return false;
  let as2 = 0;
  let html = 0;
  for (const range of accept.split(",")) {
    const [type, ...params] = range.split(";").map((p) => p.trim());
    const mediaType = type.toLowerCase();
    const q = qualityOf(params);
    if (AS2_TYPES.has(mediaType) && ldProfileOk(mediaType, params)) as2 = Math.max(as2, q);
    else if (HTML_TYPES.has(mediaType)) html = Math.max(html, q);
  }
  return as2 > 0 && as2 >= html;
}

/** `application/ld+json` counts when it names the ActivityStreams profile or no profile. */
function ldProfileOk(mediaType: string, params: string[]): boolean {
  if (mediaType !== "application/ld+json") return true;
  const profile = params.find((p) => p.toLowerCase().startsWith("profile="));
  if (!profile) return true;
  return profile.slice("profile=".length).replace(/^"|"$/g, "").split(/\s+/).includes("https://www.w3.org/ns/activitystreams");
}

function qualityOf(params: string[]): number {
  const q = params.find((p) => p.toLowerCase().startsWith("q="));
  if (!q) return 1;
  const value = Number(q.slice(2));
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : 1;
}

/** An AS2 response: the content type peers expect and `Vary: Accept` (same URL serves HTML). */
export function activityJson(doc: unknown, init: ResponseInit = {}): Response {
  return activityJsonText(JSON.stringify(doc), init);
}

/** activityJson for a document already serialized. */
export function activityJsonText(json: string, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", AS2_CONTENT_TYPE);
  headers.append("vary", "Accept");
  return new Response(json, { ...init, headers });
}

/** Adds `Vary: Accept` to an HTML (or redirect) answer of a negotiated URL. */
export function varyOnAccept(response: Response): Response {
  const out = new Response(response.body, response);
  out.headers.append("vary", "Accept");
  return out;
}
