import { describe, expect, it } from "vitest";
import { expectSchema, hasSpec, itWithSpec } from "./openapi";

describe("OpenAPI validation helper", () => {
  it("reports whether the reference schema is present", () => {
    expect(typeof hasSpec).toBe("boolean");
  });

  itWithSpec("rejects an entity that breaks the schema", () => {
    expect(() => expectSchema({ id: 5 }, "Rule")).toThrow(/not a valid Rule/);
  });

  itWithSpec("accepts a valid entity", () => {
    expectSchema({ id: "1", text: "Be nice", hint: "" }, "Rule");
  });
});
