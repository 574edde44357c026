import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError } from "../../lib/result";
import { tokenOwner } from "../../lib/tokens";
import { accountStub } from "../../core/stubs";
import { encodeStreamRequest, type StreamRequest } from "../../objects/streams/handshake";
import { streamForSsePath } from "../../objects/streams/protocol";

/**
 * The streaming API: `GET /api/v1/streaming` (WebSocket; `?stream=` picks a first stream,
 * then subscribe/unsubscribe messages multiplex) and the server-sent-events paths. Streams
 * live on the user's own account object (public and hashtag events are pushed to it by the
 * timeline objects), so the Worker only finds the token and forwards the request there; the
 * object checks the token. `GET /api/v1/streaming/health` is in health.ts.
 */
const SSE_PATHS = ["user", "user/notification", "public", "public/local", "public/remote", "hashtag", "hashtag/local", "list", "direct"];

export function registerStreaming(router: Router): void {
  router.get("/api/v1/streaming", (c) => openWebSocket(c));
  for (const path of SSE_PATHS) router.get(`/api/v1/streaming/${path}`, (c) => openSse(c, path));
}

async function openWebSocket(c: Ctx): Promise<Response> {
  if (c.request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(400, "Expected a WebSocket upgrade (or use an SSE path such as /api/v1/streaming/user)");
  }
  const protocol = offeredProtocol(c.request);
  const token = bearer(c) ?? protocol;
  const q = c.url.searchParams;
  const stream = q.get("stream");
  return forward(c, token, {
    protocol,
    mode: "websocket",
    stream: stream ? { stream, ...optional("tag", q.get("tag")), ...optional("list", q.get("list")) } : null,
  });
}

async function openSse(c: Ctx, path: string): Promise<Response> {
  const q = c.url.searchParams;
  const onlyMedia = ["1", "true", "on"].includes((q.get("only_media") ?? "").toLowerCase());
  const stream = streamForSsePath(path, onlyMedia)!;
  return forward(c, bearer(c), {
    protocol: null,
    mode: "sse",
    stream: { stream, ...optional("tag", q.get("tag")), ...optional("list", q.get("list")) },
  });
}

/** Sends the request to the token owner's object; without a usable user token, 401 here. */
async function forward(c: Ctx, token: string | null, r: Omit<StreamRequest, "token" | "origin" | "domain">): Promise<Response> {
  // Mastodon's default: public streams need a token too (anonymous streaming is not offered).
  if (!token) throw new ApiError(401, "Missing access token");
  const owner = tokenOwner(token);
  if (!owner || owner.kind !== "user") throw new ApiError(401, "Invalid access token");
  const request = encodeStreamRequest(c.request, { ...r, token, origin: c.origin, domain: c.domain });
  return accountStub(c.env, owner.accountId).fetch(request);
}

/** `Authorization: Bearer` first, then `?access_token=` (as Mastodon's streaming server). */
function bearer(c: Ctx): string | null {
  const header = c.request.headers.get("authorization");
  const m = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (m) return m[1];
  return c.url.searchParams.get("access_token") || null;
}

/**
 * Browsers cannot set headers on a WebSocket, so clients (masto.js, Elk, Phanpy) put the token
 * in `Sec-WebSocket-Protocol`. The handshake must then echo a protocol the client offered,
 * or the `ws` library refuses the connection; we echo the first one.
 */
function offeredProtocol(request: Request): string | null {
  const header = request.headers.get("sec-websocket-protocol");
  const first = header?.split(",")[0]?.trim();
  return first || null;
}

function optional(name: "tag" | "list", value: string | null): Record<string, string> {
  return value === null ? {} : { [name]: value };
}
