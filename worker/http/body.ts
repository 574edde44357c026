import { ApiError } from "../../lib/result";
import { jsonTooDeep, MAX_JSON_DEPTH } from "../../lib/json-depth";

/** Parsed request parameters: nested objects and arrays, as Rails would build them. */
export type Params = Record<string, unknown>;

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The single tolerant parser for every API request: query string, JSON, urlencoded form,
 * multipart form, or a POST with parameters only in the query string (Mammoth does this).
 * A body with no Content-Type is read as a form; a GET's body only when it is JSON. Body keys
 * win over query keys.
 */
export async function parseParams(request: Request, url = new URL(request.url), maxBytes = MAX_BODY_BYTES): Promise<Params> {
  const params: Params = {};
  for (const [key, value] of url.searchParams) assignBracketed(params, key, value);
  // Some client libraries send a GET's parameters as a JSON body; Rails reads them, so do we.
  const jsonGet = request.method === "GET" && (request.headers.get("content-type") ?? "").toLowerCase().includes("json");
  if ((request.method === "GET" && !jsonGet) || request.method === "HEAD" || !request.body) return params;

  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new ApiError(413, "Request body too large");
  const type = (request.headers.get("content-type") ?? "").toLowerCase();

  if (type.includes("multipart/form-data")) {
    let form: FormData;
    try {
      // Without a declared length the body is read under the limit first (chunked uploads).
      form = request.headers.has("content-length")
        ? await request.formData()
        : await new Response(await readLimitedBytes(request, maxBytes), { headers: { "content-type": type } }).formData();
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(400, "Malformed multipart body");
    }
    for (const [key, value] of form) assignBracketed(params, key, value);
    return params;
  }

  const bytes = await readLimitedBytes(request, MAX_BODY_BYTES);
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return params;
  if (type.includes("json")) {
    if (jsonTooDeep(bytes)) throw new ApiError(400, `JSON in request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(400, "Malformed JSON in request body");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ApiError(400, "Request body must be a JSON object");
    }
    return mergeDeep(params, parsed as Params);
  }
  for (const [key, value] of new URLSearchParams(text)) assignBracketed(params, key, value);
  return params;
}

async function readLimitedBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const reader = request.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      // The client went away mid-body (or its stream broke): its fault, and nobody reads the answer.
      throw clientGone();
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ApiError(413, "Request body too large");
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

/** nginx's 499 "client closed request": answered (to no one) without logging a 500. */
export const CLIENT_CLOSED_REQUEST = 499;

export function clientGone(): ApiError {
  return new ApiError(CLIENT_CLOSED_REQUEST, "The client closed the request before its body was read");
}

const UNSAFE_KEYS = new Set(["__proto__", "prototype", "constructor"]);

/** `a[b][0][c]=v` → {a: {b: {"0": {c: v}}}}; `a[]=v` appends to an array. */
export function assignBracketed(target: Params, key: string, value: unknown): void {
  const match = key.match(/^([^[\]]+)((?:\[[^[\]]*\])*)$/);
  const path = match ? [match[1], ...[...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1])] : [key];
  if (path.length > MAX_JSON_DEPTH) throw new ApiError(400, `Parameter ${path[0].slice(0, 40)} is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (path.some((p) => UNSAFE_KEYS.has(p))) return;
  let node: any = target;
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    const last = i === path.length - 1;
    const nextIsArray = !last && path[i + 1] === "";
    if (part === "") {
      if (!Array.isArray(node)) return;
      if (last) node.push(value);
      else {
        // Rails: `a[][k]=1&a[][j]=2` → [{k, j}]; a repeated key starts the next hash.
        const previous = node[node.length - 1];
        const reuse = !nextIsArray && isPlainObject(previous) && !hasPath(previous, path.slice(i + 1));
        const child = reuse ? previous : nextIsArray ? [] : {};
        if (!reuse) node.push(child);
        node = child;
      }
      continue;
    }
    if (Array.isArray(node)) return;
    if (last) {
      node[part] = value;
    } else {
      if (node[part] === undefined || typeof node[part] !== "object" || node[part] === null) {
        node[part] = nextIsArray ? [] : {};
      }
      node = node[part];
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Whether `node` already holds a value at the bracket path (`[]` parts end the walk). */
function hasPath(node: unknown, path: string[]): boolean {
  for (const part of path) {
    if (part === "" || !isPlainObject(node) || !(part in node)) return part === "" && Array.isArray(node);
    node = node[part];
  }
  return true;
}

function mergeDeep(base: Params, extra: Params): Params {
  for (const [key, value] of Object.entries(extra)) {
    if (UNSAFE_KEYS.has(key)) continue;
    base[key] = value;
  }
  return base;
}
