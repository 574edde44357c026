import { describe, expect, it } from "vitest";
import { Router } from "../../worker/router";
import type { Ctx } from "../../worker/context";

/** Routes live in buckets by leading static segments; matching must be as if they were one list. */
describe("router buckets", () => {
  const answer = (body: string) => () => new Response(body);
  const router = new Router()
    .get("/api/v1/accounts/verify_credentials", answer("verify"))
    .get("/api/v1/accounts/:id", (c) => (c.route.id === "skip" ? undefined : new Response(`account ${c.route.id}`)))
    .get("/api/v1/accounts/:other", answer("fallen through"))
    .get("/users/:username", (c) => new Response(`actor ${c.route.username}`))
    .get("/@:username", (c) => new Response(`profile ${c.route.username}`))
    .get("/", answer("home page"));
  const route = async (path: string, method = "GET") => {
    const url = new URL(path, "https://pronghorn.test");
    const res = await router.handle(new Request(url, { method }), { route: {} } as unknown as Ctx, url.pathname);
    return res ? res.text() : null;
  };

  it("matches within the request's bucket in registration order, with fall-through", async () => {
    expect(await route("/api/v1/accounts/verify_credentials")).toBe("verify");
    expect(await route("/api/v1/accounts/12")).toBe("account 12");
    expect(await route("/api/v1/accounts/skip")).toBe("fallen through");
    expect(await route("/users/alice")).toBe("actor alice");
    expect(await route("/@alice")).toBe("profile alice");
    expect(await route("/")).toBe("home page");
    expect(await route("/api/v1/accounts/12", "HEAD")).toBe("account 12");
  });

  it("answers undefined when nothing matches, whatever the bucket", async () => {
    expect(await route("/api/v1/nothing")).toBeNull();
    expect(await route("/api/v1/accounts/12", "DELETE")).toBeNull();
    expect(await route("/nowhere/at/all")).toBeNull();
  });

  it("refuses API routes whose version or family is dynamic", () => {
    expect(() => new Router().get("/api/v1/:family", answer("x"))).toThrow(/static version and family/);
  });
});
