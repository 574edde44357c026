import type { Router } from "../router";
import type { Ctx } from "../context";
import { isMediaKey, MEDIA_PATH_PREFIX } from "../../core/media/files";

/**
 * Stored media files, straight from the MEDIA bucket: whatever the request's `Accept`, a media
 * URL answers the file (never JSON or an AS2 document). Keys are unguessable and files never
 * change, so they are cached for a year. `nosniff` and a sandboxing CSP keep a file from ever
 * being run as a page; only types read from the bytes at upload are stored.
 */
export function registerMediaFiles(router: Router): void {
  router.get(`${MEDIA_PATH_PREFIX}:kind/:folder/:file`, serveFile);
}

const FILE_HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
  "cache-control": "public, max-age=31536000, immutable",
  "access-control-allow-origin": "*",
  "accept-ranges": "bytes",
  "cross-origin-resource-policy": "cross-origin",
};

async function serveFile(c: Ctx): Promise<Response> {
  const key = `${c.route.kind}/${c.route.folder}/${c.route.file}`;
  if (!isMediaKey(key)) return notFound();
  if (c.request.method === "HEAD") return head(c, key);
  const wanted = c.request.headers.get("range");
  // Whole files are kept in the data centre's cache (files never change); R2 serves the rest.
  const plain = wanted === null && !c.request.headers.has("if-none-match");
  const cacheKey = new Request(c.url.toString());
  if (plain) {
    const hit = await caches.default.match(cacheKey);
    if (hit) {
      const served = new Response(hit.body, hit);
      served.headers.set("cache-control", FILE_HEADERS["cache-control"]);
      return served;
    }
  }
  const range = wanted === null ? null : parseRange(wanted);
  // One R2 call: the object with its body, or without one when If-None-Match matched.
  let object: R2Object | R2ObjectBody | null;
  try {
    object = await c.env.MEDIA.get(key, { onlyIf: c.request.headers, ...(range ? { range } : {}) });
  } catch {
    return unsatisfiable(c, key); // a range past the end
  }
  if (!object) return notFound();
  const headers = fileHeaders(object);
  if (!("body" in object)) return new Response(null, { status: 304, headers });
  if (!range) {
    headers.set("content-length", String(object.size));
    const response = new Response(object.body, { headers });
    if (!plain) return response;
    c.exec.waitUntil(caches.default.put(cacheKey, cacheCopy(response)));
    return response;
  }
  const served = servedRange(object);
  if (!served) return unsatisfiable(c, key);
  headers.set("content-length", String(served.length));
  headers.set("content-range", `bytes ${served.offset}-${served.offset + served.length - 1}/${object.size}`);
  return new Response(object.body, { status: 206, headers });
}

/**
 * The cached copy lives a day at most: deletes purge the copy in the data centre that handled
 * them (`forgetCachedFiles`), and a copy elsewhere goes by itself within a day.
 */
const CACHED_FOR_S = 86_400;

function cacheCopy(response: Response): Response {
  const copy = response.clone();
  const headers = new Headers(copy.headers);
  headers.set("cache-control", `public, max-age=${CACHED_FOR_S}`);
  return new Response(copy.body, { status: copy.status, headers });
}

/** Drops cached copies of files that were just deleted (their absolute URLs). */
export function forgetCachedFiles(c: Ctx, urls: (string | null | undefined)[]): void {
  const ours = urls.filter((u): u is string => typeof u === "string" && u.startsWith(`${c.origin}${MEDIA_PATH_PREFIX}`));
  if (ours.length) c.exec.waitUntil(Promise.all(ours.map((u) => caches.default.delete(new Request(u)))));
}

async function head(c: Ctx, key: string): Promise<Response> {
  const object = await c.env.MEDIA.head(key);
  if (!object) return notFound();
  const headers = fileHeaders(object);
  headers.set("content-length", String(object.size));
  return new Response(null, { headers });
}

async function unsatisfiable(c: Ctx, key: string): Promise<Response> {
  const object = await c.env.MEDIA.head(key);
  if (!object) return notFound();
  return new Response(null, { status: 416, headers: { ...FILE_HEADERS, "content-range": `bytes */${object.size}` } });
}

/** The part R2 served, as offset and length within the object; null when it served none. */
function servedRange(object: R2ObjectBody): { offset: number; length: number } | null {
  const r = object.range as { offset?: number; length?: number; suffix?: number } | undefined;
  if (!r) return { offset: 0, length: object.size };
  if (r.suffix !== undefined) {
    const length = Math.min(r.suffix, object.size);
    return length > 0 ? { offset: object.size - length, length } : null;
  }
  const offset = r.offset ?? 0;
  const length = Math.min(r.length ?? object.size - offset, object.size - offset);
  return offset < object.size && length > 0 ? { offset, length } : null;
}

function fileHeaders(object: R2Object): Headers {
  const headers = new Headers(FILE_HEADERS);
  headers.set("content-type", object.httpMetadata?.contentType ?? "application/octet-stream");
  headers.set("etag", object.httpEtag);
  headers.set("last-modified", object.uploaded.toUTCString());
  return headers;
}

/** One `bytes=` range (first-last, first-, or -suffix) as R2 takes it; several ranges or nonsense: the whole file. */
function parseRange(header: string): R2Range | null {
  const m = header.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") return { suffix: Number(m[2]) };
  const offset = Number(m[1]);
  return m[2] === "" ? { offset } : { offset, length: Math.max(0, Number(m[2]) - offset + 1) };
}

function notFound(): Response {
  return new Response("Not found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" } });
}
