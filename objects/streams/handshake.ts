/**
 * How the Worker hands a streaming request to the object that serves it. The Worker does not
 * authenticate: it finds the token and the owning object (the token's routing hint) and
 * forwards the request with `stub.fetch()` (the one fetch between Worker and objects, because
 * a WebSocket cannot cross RPC). These headers carry what the object needs; the Worker always
 * overwrites them, so a client cannot set them.
 */
export const STREAM_HEADERS = {
  token: "x-pronghorn-stream-token",
  /** The Sec-WebSocket-Protocol value the token came in, echoed in the 101 response. */
  protocol: "x-pronghorn-stream-protocol",
  origin: "x-pronghorn-stream-origin",
  domain: "x-pronghorn-stream-domain",
  /** "websocket" or "sse" */
  mode: "x-pronghorn-stream-mode",
  /** Initial stream name, `tag` and `list` as a JSON object (absent: no initial stream). */
  stream: "x-pronghorn-stream",
} as const;

export type StreamMode = "websocket" | "sse";

export interface StreamRequest {
  token: string;
  protocol: string | null;
  origin: string;
  domain: string;
  mode: StreamMode;
  stream: { stream: string; tag?: string; list?: string } | null;
}

export function encodeStreamRequest(original: Request, r: StreamRequest): Request {
  const headers = new Headers(original.headers);
  headers.set(STREAM_HEADERS.token, r.token);
  if (r.protocol) headers.set(STREAM_HEADERS.protocol, r.protocol);
  else headers.delete(STREAM_HEADERS.protocol);
  headers.set(STREAM_HEADERS.origin, r.origin);
  headers.set(STREAM_HEADERS.domain, r.domain);
  headers.set(STREAM_HEADERS.mode, r.mode);
  if (r.stream) headers.set(STREAM_HEADERS.stream, JSON.stringify(r.stream));
  else headers.delete(STREAM_HEADERS.stream);
  return new Request(original.url, { method: "GET", headers });
}

export function decodeStreamRequest(request: Request): StreamRequest | null {
  const h = request.headers;
  const token = h.get(STREAM_HEADERS.token);
  const origin = h.get(STREAM_HEADERS.origin);
  const domain = h.get(STREAM_HEADERS.domain);
  const mode = h.get(STREAM_HEADERS.mode);
  if (!token || !origin || !domain || (mode !== "websocket" && mode !== "sse")) return null;
  let stream: StreamRequest["stream"] = null;
  const raw = h.get(STREAM_HEADERS.stream);
  if (raw) {
    try {
      stream = JSON.parse(raw) as StreamRequest["stream"];
    } catch {
      return null;
    }
  }
  return { token, protocol: h.get(STREAM_HEADERS.protocol), origin, domain, mode, stream };
}
