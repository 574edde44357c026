import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api } from "./helpers";
import { expectSchema } from "./openapi";

describe("GET /api/v1/instance/domain_blocks", () => {
  it("lists the moderated servers as suspended, with their SHA-256 digest", async () => {
    const directory = env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
    await directory.blockDomain("Spam.Example");
    const res = await api("/api/v1/instance/domain_blocks");
    const list: any[] = await res.json();
    expect(res.status).toBe(200);
    const entry = list.find((b) => b.domain === "spam.example");
    expectSchema(entry, "DomainBlock");
    expect(entry).toMatchObject({ domain: "spam.example", severity: "suspend", comment: null });
    const expected = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("spam.example")))].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(entry.digest).toBe(expected);
    await directory.unblockDomain("spam.example");
  });
});
