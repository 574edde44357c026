/** Paths browser clients (Phanpy, Elk, Pinafore) call cross-origin. */
const CORS_PREFIXES = ["/api/", "/oauth/token", "/oauth/revoke", "/oauth/userinfo", "/.well-known/", "/nodeinfo/"];

export function wantsCors(path: string): boolean {
  return CORS_PREFIXES.some((p) => path.startsWith(p));
}

export function corsPreflight(request: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
      "access-control-allow-headers":
        request.headers.get("access-control-request-headers") ?? "Authorization, Content-Type, Idempotency-Key",
      "access-control-max-age": "86400",
    },
  });
}

/** The response with CORS headers (and `extra` ones) added: one copy of the headers. */
export function withCors(response: Response, extra: Record<string, string> = {}): Response {
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(extra)) out.headers.set(name, value);
  out.headers.set("access-control-allow-origin", "*");
  out.headers.set("access-control-expose-headers", "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id");
  return out;
}
