/** JSON response with the content type Mastodon uses. */
export function json(data: unknown, init: ResponseInit = {}): Response {
  return jsonText(JSON.stringify(data), init);
}

/** A JSON body that was serialized already (see core/serializers/rendered.ts). */
export function jsonText(body: string, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(body, { ...init, headers });
}

export function html(body: string, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "text/html; charset=utf-8");
  return new Response(body, { ...init, headers });
}

export function redirect(location: string, status = 302, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("location", location);
  return new Response(null, { status, headers: h });
}

/** The response with headers added (a copy: fetched and cached responses are immutable). */
export function withHeaders(response: Response, extra: Record<string, string>): Response {
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(extra)) out.headers.set(name, value);
  return out;
}
