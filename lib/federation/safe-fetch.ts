import { jsonTooDeep, MAX_JSON_DEPTH } from "../json-depth";
import { AS2_ACCEPT } from "./http-signatures-cavage";

/**
 * Every outgoing federation request goes through here: no private, loopback or link-local
 * targets, https only, a timeout, a 1 MiB body cap and at most 3 redirects, each hop checked
 * again. workerd's fetch does not expose the resolved address, so the checks apply to the host
 * as written: IP literals in private ranges and names that never denote a public host.
 * `allowPrivate` (env ALLOW_PRIVATE_ADDRESSES = "true") is for tests on loopback only.
 */
export const MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 3;

export interface FetchPolicy {
  allowPrivate: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
}

export function fetchPolicy(env: { ALLOW_PRIVATE_ADDRESSES?: string }): FetchPolicy {
  return { allowPrivate: env.ALLOW_PRIVATE_ADDRESSES === "true" };
}

export class FetchRefused extends Error {
  constructor(
    message: string,
    /** The HTTP status of the remote answer, when there was one. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

function ipv4Parts(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

function privateIpv4([a, b, c]: number[]): boolean {
  return (
    a === 0 || // "this" network
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF protocol assignments, TEST-NET-1
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || // TEST-NET-2
    (a === 203 && b === 0 && c === 113) || // TEST-NET-3
    a >= 224 // multicast, reserved, broadcast
  );
}

/** Expands an IPv6 literal (without brackets) to 8 16-bit groups; null if malformed. */
function ipv6Groups(host: string): number[] | null {
  let text = host.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const p = ipv4Parts(v4[1]);
    if (!p) return null;
    text = text.slice(0, -v4[1].length) + `${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 && missing !== 0) return null;
  if (missing < 0) return null;
  const groups = [...head, ...new Array(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : null;
}

function privateIpv6(g: number[]): boolean {
  const allZeroUntil = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (allZeroUntil(7) && (g[7] === 0 || g[7] === 1)) return true; // :: and ::1
  if (allZeroUntil(5) && g[5] === 0xffff) return privateIpv4([g[6] >> 8, g[6] & 0xff, g[7] >> 8]); // IPv4-mapped
  if (allZeroUntil(6)) return true; // IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b) return privateIpv4([g[6] >> 8, g[6] & 0xff, g[7] >> 8]); // NAT64
  if ((g[0] & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((g[0] & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((g[0] & 0xffc0) === 0xfec0) return true; // site-local (deprecated)
  if ((g[0] & 0xff00) === 0xff00) return true; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return true; // documentation
  return false;
}

/** Names that resolve on private networks. (Reserved TLDs like .test never resolve publicly.) */
const PRIVATE_SUFFIXES = [".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa", ".localdomain", ".corp"];

/** Why a host may not be fetched, or null when it may. Exported for tests. */
export function privateHostReason(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[")) {
    const groups = ipv6Groups(host.slice(1, -1));
    if (!groups) return "malformed IPv6 address";
    return privateIpv6(groups) ? "private IPv6 address" : null;
  }
  const v4 = ipv4Parts(host);
  if (v4) return privateIpv4(v4) ? "private IPv4 address" : null;
  if (/^[\d.]+$/.test(host) || /^0x/i.test(host)) return "unusual numeric host";
  if (host === "localhost" || host === "localhost.localdomain") return "localhost";
  if (!host.includes(".")) return "single-label host name";
  if (PRIVATE_SUFFIXES.some((s) => host.endsWith(s))) return `reserved name (${host})`;
  return null;
}

/** Throws FetchRefused if `url` may not be fetched under `policy`. */
export function assertFetchable(url: URL, policy: FetchPolicy): void {
  if (url.protocol !== "https:" && !(policy.allowPrivate && url.protocol === "http:")) {
    throw new FetchRefused(`Refusing to fetch ${url.protocol} URL`);
  }
  if (url.username || url.password) throw new FetchRefused("Refusing to fetch a URL with credentials");
  if (policy.allowPrivate) return;
  const reason = privateHostReason(url.hostname);
  if (reason) throw new FetchRefused(`Refusing to fetch ${url.host}: ${reason}`);
}

export interface SafeResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** After redirects. */
  url: string;
}

/** Reads a body up to `max` bytes; throws FetchRefused beyond it. */
export async function readCapped(response: Response, max: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel();
    throw new FetchRefused(`Response larger than ${max} bytes`, response.status);
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new FetchRefused(`Response larger than ${max} bytes`, response.status);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export interface SafeRequestInit {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Called before every hop (redirects included) to add signature headers for that URL. */
  sign?: (url: string) => Promise<Record<string, string>>;
  /** false: discard the response body (deliveries only need the status). */
  readBody?: boolean;
}

/**
 * Fetches with the checks above. Redirects are followed by hand (GET only, at most 3); a POST is
 * never redirected. Returns the final response with its body read (capped).
 */
export async function safeFetch(input: string, init: SafeRequestInit, policy: FetchPolicy): Promise<SafeResponse> {
  const timeoutMs = policy.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // A timer we clear ourselves: AbortSignal.timeout would keep the object alive until it fires.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    return await fetchWithRedirects(input, init, policy, deadline.signal, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

async function fetchWithRedirects(
  input: string,
  init: SafeRequestInit,
  policy: FetchPolicy,
  deadline: AbortSignal,
  timeoutMs: number,
): Promise<SafeResponse> {
  const maxRedirects = policy.maxRedirects ?? MAX_REDIRECTS;
  const method = init.method ?? "GET";
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new FetchRefused("Invalid URL");
  }
  for (let hop = 0; ; hop++) {
    assertFetchable(url, policy);
    url.hash = "";
    const headers = { ...(init.headers ?? {}), ...(init.sign ? await init.sign(url.href) : {}) };
    let response: Response;
    try {
      response = await fetch(url.href, { method, headers, body: init.body, redirect: "manual", signal: deadline });
    } catch (err) {
      if (deadline.aborted) throw new FetchRefused(`Timed out after ${timeoutMs} ms`);
      throw new FetchRefused(`Fetch failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location && method === "GET") {
      await response.body?.cancel();
      if (hop >= maxRedirects) throw new FetchRefused(`More than ${maxRedirects} redirects`, response.status);
      try {
        url = new URL(location, url);
      } catch {
        throw new FetchRefused("Invalid redirect location", response.status);
      }
      continue;
    }
    if (init.readBody === false) {
      await response.body?.cancel();
      return { status: response.status, headers: response.headers, body: new Uint8Array(), url: url.href };
    }
    try {
      const body = await readCapped(response, policy.maxBytes ?? MAX_BODY_BYTES);
      return { status: response.status, headers: response.headers, body, url: url.href };
    } catch (err) {
      if (err instanceof FetchRefused) throw err;
      if (deadline.aborted) throw new FetchRefused(`Timed out after ${timeoutMs} ms`);
      throw new FetchRefused(`Reading the response failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** Signs GETs (the instance actor's RPC): url → signature headers for that URL. */
export type GetSigner = (url: string) => Promise<Record<string, string>>;

export type ActivityDocument = Record<string, unknown> & { id: string };

export function isActivityStreamsType(contentType: string | null): boolean {
  if (!contentType) return false;
  const mime = contentType.split(";")[0].trim().toLowerCase();
  return mime === "application/activity+json" || mime === "application/ld+json";
}

/** JSON-LD features that change a document's meaning behind a plain-JSON reader's back. */
export function jsonLdTrick(doc: Record<string, unknown>): string | null {
  for (const key of ["@graph", "@included", "@reverse"]) if (key in doc) return key;
  return null;
}

export interface FetchDocumentOptions {
  signer?: GetSigner;
  /**
   * Require `id` to equal the URL fetched (after redirects). Key documents are fetched without
   * it (a fragment key id or GoToSocial's `/main-key` stub) and bound to their owner instead.
   */
  requireIdMatch?: boolean;
}

/**
 * GETs an ActivityStreams document: AS2 content type, a JSON object, no JSON-LD tricks, and its
 * `id` equal to the final URL. When the id differs, the document is refetched once from its id
 * (as Mastodon does) and must then match.
 */
export async function fetchActivityDocument(
  url: string,
  policy: FetchPolicy,
  options: FetchDocumentOptions = {},
): Promise<{ document: ActivityDocument; url: string }> {
  const requireIdMatch = options.requireIdMatch ?? true;
  let target = url;
  for (let attempt = 0; attempt < 2; attempt++) {
    const response = await safeFetch(target, { method: "GET", headers: { accept: AS2_ACCEPT }, sign: options.signer }, policy);
    if (response.status !== 200) throw new FetchRefused(`Remote answered ${response.status}`, response.status);
    if (!isActivityStreamsType(response.headers.get("content-type"))) {
      throw new FetchRefused("Remote document is not ActivityStreams JSON", response.status);
    }
    if (jsonTooDeep(response.body)) throw new FetchRefused(`Remote document nests deeper than ${MAX_JSON_DEPTH} levels`, response.status);
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(response.body));
    } catch {
      throw new FetchRefused("Remote document is not valid JSON", response.status);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new FetchRefused("Remote document is not a JSON object");
    const doc = parsed as Record<string, unknown>;
    const trick = jsonLdTrick(doc);
    if (trick) throw new FetchRefused(`Remote document uses ${trick}`);
    if (typeof doc.id !== "string") throw new FetchRefused("Remote document has no id");
    if (!requireIdMatch || doc.id === response.url) return { document: doc as ActivityDocument, url: response.url };
    if (attempt === 0 && doc.id !== target) {
      target = doc.id;
      continue;
    }
    break;
  }
  throw new FetchRefused("Remote document id does not match its URL");
}
