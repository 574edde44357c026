import { Router as IttyRouter, type IRequest, type RouterType } from "itty-router";
import type { Ctx } from "./context";

/** Returning undefined means "not mine": the next matching route gets the request. */
export type Handler = (c: Ctx) => Promise<Response | undefined> | Response | undefined;

/**
 * Registration surface over itty-router. Each API family file exports a function that adds its
 * routes here; `worker/routes.ts` lists the families. HEAD is served by GET routes.
 *
 * Routes are kept in buckets by their leading static segments (`api/v1/timelines`, `users`,
 * `oauth`...), one itty router each, so a request is matched against the few routes that could
 * match it instead of all of them in turn. A route whose first segment is dynamic (`/@:username`)
 * goes to the bucket tried after the request's own.
 */
type Itty = RouterType<IRequest, [Ctx]>;
const DYNAMIC = "";

export class Router {
  private readonly buckets = new Map<string, Itty>();
  private readonly seen = new Set<string>();

  get(path: string, handler: Handler) {
    return this.add("GET", path, handler);
  }
  post(path: string, handler: Handler) {
    return this.add("POST", path, handler);
  }
  put(path: string, handler: Handler) {
    return this.add("PUT", path, handler);
  }
  patch(path: string, handler: Handler) {
    return this.add("PATCH", path, handler);
  }
  delete(path: string, handler: Handler) {
    return this.add("DELETE", path, handler);
  }

  add(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, handler: Handler): this {
    const key = `${method} ${path}`;
    if (this.seen.has(key)) throw new Error(`duplicate route ${key}`);
    this.seen.add(key);
    const wrapped = (req: IRequest, c: Ctx) => {
      c.route = { ...(req.params as Record<string, string>) };
      return handler(c);
    };
    const itty = this.bucket(routeKey(path));
    itty[method.toLowerCase() as "get"](path, wrapped);
    if (method === "GET") itty.head(path, wrapped);
    return this;
  }

  /** The route's response, or undefined when nothing matched. */
  async handle(request: Request, c: Ctx, pathname: string): Promise<Response | undefined> {
    const key = requestKey(pathname);
    const own = this.buckets.get(key);
    const response = own ? await own.fetch(request, c) : undefined;
    return response ?? (key === DYNAMIC ? undefined : this.buckets.get(DYNAMIC)?.fetch(request, c));
  }

  private bucket(key: string): Itty {
    let itty = this.buckets.get(key);
    if (!itty) this.buckets.set(key, (itty = IttyRouter<IRequest, [Ctx]>()));
    return itty;
  }
}

const isStatic = (segment: string | undefined) => segment !== undefined && !/[:*]/.test(segment);

/** `api/<version>/<family>` for the API, else the first segment; DYNAMIC if that is not static. */
function routeKey(path: string): string {
  const segments = path.split("/").slice(1);
  const key = segments[0] === "api" ? segments.slice(0, 3) : segments.slice(0, 1);
  if (!key.every(isStatic)) {
    if (segments[0] === "api") throw new Error(`route ${path}: API routes need a static version and family`);
    return DYNAMIC;
  }
  return key.join("/");
}

function requestKey(pathname: string): string {
  const segments = pathname.split("/", 5).slice(1);
  return (segments[0] === "api" ? segments.slice(0, 3) : segments.slice(0, 1)).join("/");
}
