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
  const head = await c.env.MEDIA.head(key);
  if (!head) return notFound();
  const headers = fileHeaders(head);
  if (c.request.headers.get("if-none-match") === head.httpEtag) return new Response(null, { status: 304, headers });
  const range = parseRange(c.request.headers.get("range"), head.size);
  if (range === "unsatisfiable") {
    headers.set("content-range", `bytes */${head.size}`);
    return new Response(null, { status: 416, headers });
  }
  const status = range ? 206 : 200;
  const length = range ? range.length : head.size;
  headers.set("content-length", String(length));
  if (range) headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`);
  if (c.request.method === "HEAD") return new Response(null, { status, headers });
  const object = await c.env.MEDIA.get(key, range ? { range } : {});
  if (!object) return notFound();
  return new Response(object.body, { status, headers });
}

function fileHeaders(object: R2Object): Headers {
  const headers = new Headers(FILE_HEADERS);
  headers.set("content-type", object.httpMetadata?.contentType ?? "application/octet-stream");
  headers.set("etag", object.httpEtag);
  headers.set("last-modified", object.uploaded.toUTCString());
  return headers;
}

/** One `bytes=` range (first-last, first-, or -suffix); several ranges or nonsense: the whole file. */
function parseRange(header: string | null, size: number): { offset: number; length: number } | "unsatisfiable" | null {
  const m = header?.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Math.min(Number(m[2]), size);
    return suffix === 0 ? "unsatisfiable" : { offset: size - suffix, length: suffix };
  }
  const first = Number(m[1]);
  const last = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (first >= size || last < first) return "unsatisfiable";
  return { offset: first, length: last - first + 1 };
}

function notFound(): Response {
  return new Response("Not found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" } });
}
