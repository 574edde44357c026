import { Router as IttyRouter, type IRequest, type RouterType } from "itty-router";
import type { Ctx } from "./context";

/** Returning undefined means "not mine": the next matching route gets the request. */
export type Handler = (c: Ctx) => Promise<Response | undefined> | Response | undefined;

/**
 * Registration surface over itty-router. Each API family file exports a function that adds its
 * routes here; `worker/routes.ts` lists the families. HEAD is served by GET routes.
 */
export class Router {
  private readonly itty: RouterType<IRequest, [Ctx]> = IttyRouter<IRequest, [Ctx]>();
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
    this.itty[method.toLowerCase() as "get"](path, wrapped);
    if (method === "GET") this.itty.head(path, wrapped);
    return this;
  }

  /** The route's response, or undefined when nothing matched. */
  handle(request: Request, c: Ctx): Promise<Response | undefined> {
    return this.itty.fetch(request, c);
  }
}
