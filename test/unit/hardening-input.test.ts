import { describe, expect, it } from "vitest";
import { api, bearer, fetchWithEnv } from "./helpers";
import { newUser, post } from "./status-helpers";

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const nestedObject = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);

describe("hostile input: search", () => {
  const queries = [
    "x".repeat(5 * 1024),
    "word".repeat(1) + " ".repeat(2000) + "a b c ".repeat(600),
    "a\u0000b",
    "\u0000",
    '"',
    '"unbalanced',
    'a"b"c"',
    "foo*",
    "*",
    "NEAR(a b)",
    "NEAR(",
    "col:foo",
    "text:foo",
    "^foo",
    "a OR b AND NOT c",
    "-",
    '-"',
    "from:",
    "from:@@@",
    "@",
    "@a@b@c",
    "#",
    "#\u0000",
    "https://",
    "before:9999-99-99",
    "during:0000-01-01",
    "after:2024-13-45",
    "%",
  ];
  it("answers 200 or 4xx, never 5xx, signed in and anonymous", async () => {
    const user = await newUser("hsearch");
    await post(user, { status: "hello searchable words" });
    const encoded = [...queries.map(encodeURIComponent), "%ED%A0%80", "%FF%FE", "a%00b%00"];
    for (const q of encoded) {
      for (const extra of ["", "&type=statuses", "&type=accounts", "&type=hashtags", "&resolve=true"]) {
        for (const token of [user.token, null]) {
          const res = await api(`/api/v2/search?q=${q}${extra}`, token ? { headers: bearer(token) } : undefined);
          const body = await res.text();
          expect(res.status, `${JSON.stringify(q.slice(0, 40))}${extra} ${token ? "signed" : "anon"}: ${body.slice(0, 200)}`).toBeLessThan(500);
        }
      }
    }
  });
});

describe("hostile input: deeply nested JSON", () => {
  it("is refused with a 4xx on an API route", async () => {
    const user = await newUser("hnest");
    for (const body of [nested(10_000), nestedObject(10_000), `{"status":${nested(10_000)}}`]) {
      const res = await api("/api/v1/statuses", { method: "POST", headers: bearer(user.token, { "content-type": "application/json" }), body });
      expect(res.status).toBe(400);
      expect((await res.json<any>()).error).toMatch(/nest/i);
    }
  });
  it("accepts ordinary nesting", async () => {
    const user = await newUser("hnest2");
    const res = await api("/api/v1/statuses", {
      method: "POST",
      headers: bearer(user.token, { "content-type": "application/json" }),
      body: JSON.stringify({ status: "nested ok [[{", poll: { options: ["a", "b"], expires_in: 3600 } }),
    });
    expect(res.status).toBe(200);
  });
  // The inbox (signed) is covered in federation-inbox.test.ts.
});

describe("hostile input: paging", () => {
  it("bounds the Link header for absurd limit and ids", async () => {
    const user = await newUser("hpage");
    await post(user, { status: "one" });
    await post(user, { status: "two" });
    for (const query of [
      "limit=999999999999999999999",
      `max_id=${"9".repeat(10_000)}`,
      `since_id=${"1".repeat(10_000)}&limit=1e308`,
      `min_id=${"1".repeat(10_000)}`,
      `limit=${"9".repeat(5000)}&max_id=abc`,
      "limit=-5",
      "limit=NaN",
    ]) {
      const res = await api(`/api/v1/accounts/${user.id}/statuses?${query}`, { headers: bearer(user.token) });
      expect(res.status, query.slice(0, 40)).toBeLessThan(500);
      const link = res.headers.get("link") ?? "";
      expect(link.length, query.slice(0, 40)).toBeLessThan(1000);
      const res2 = await api(`/api/v1/timelines/home?${query}`, { headers: bearer(user.token) });
      expect(res2.status, query.slice(0, 40)).toBeLessThan(500);
      expect((res2.headers.get("link") ?? "").length, query.slice(0, 40)).toBeLessThan(1000);
    }
  });
});

describe("a client that disconnects mid-body", () => {
  it("gets a quiet 499, not a logged 500", async () => {
    const user = await newUser("hgone");
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      for (const type of ["application/json", "application/x-www-form-urlencoded"]) {
        let sent = false;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (!sent) {
              sent = true;
              controller.enqueue(new TextEncoder().encode('{"status":"half'));
            } else controller.error(new Error("Network connection lost."));
          },
        });
        const res = await fetchWithEnv({}, "/api/v1/statuses", { method: "POST", headers: bearer(user.token, { "content-type": type }), body, duplex: "half" } as RequestInit);
        expect(res.status).toBe(499);
        expect((await res.json<any>()).error).toMatch(/closed/);
      }
    } finally {
      console.error = original;
    }
    expect(errors).toEqual([]);
  });
});

describe("hostile input: deeply bracketed form keys", () => {
  it("refuses Rails-style keys nested thousands deep with a 400, in a body or a query string", async () => {
    const user = await newUser("hbracket");
    const key = "status" + "[a]".repeat(10_000);
    const form = await api("/api/v1/statuses", {
      method: "POST",
      headers: bearer(user.token, { "content-type": "application/x-www-form-urlencoded" }),
      body: `${key}=1`,
    });
    expect(form.status).toBe(400);
    expect((await form.json<any>()).error).toMatch(/nested/);
    const query = await api(`/api/v1/timelines/home?${key}=1`, { headers: bearer(user.token) });
    expect(query.status).toBe(400);
  });
});
