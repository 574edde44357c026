import { env } from "cloudflare:test";
import { Validator } from "@cfworker/json-schema";
import { expect, it } from "vitest";

/**
 * Validates API responses against the community Mastodon OpenAPI schema from ../shared.
 * Without ../shared (a newcomer's clone) the spec binding is absent and schema checks skip
 * with a message; CI always has it.
 */
const spec: any = env.OPENAPI_SPEC ? JSON.parse(env.OPENAPI_SPEC) : null;
export const hasSpec = spec !== null;
if (!hasSpec) console.warn("[openapi] ../shared/reference/mastodon-openapi.json not found: schema checks are skipped");

/** `it` that skips (saying why) when the OpenAPI document is not available. */
export const itWithSpec = hasSpec ? it : it.skip;

/**
 * Known looseness of the community schema (clients.md): "" is allowed where it says email/uri,
 * and the push subscription `id` may be a number.
 */
function loosen(node: any): any {
  if (Array.isArray(node)) return node.map(loosen);
  if (node === null || typeof node !== "object") return node;
  const out: any = {};
  for (const [k, v] of Object.entries(node)) {
    // Examples carry `id` values that the validator would mistake for schema ids.
    if (k === "example" || k === "examples") continue;
    out[k] = loosen(v);
  }
  if (out.format === "email" || out.format === "uri") {
    const { description: _d, ...rest } = out;
    return { anyOf: [rest, { const: "" }] };
  }
  return out;
}

/** Real Mastodon sends the push subscription `id` as a number (clients.md); the schema says string. */
function pushIdAsNumber(components: any): any {
  const push = components?.schemas?.WebPushSubscription;
  if (push?.properties?.id) push.properties.id = { anyOf: [push.properties.id, { type: "integer" }] };
  return components;
}

/**
 * `Status.quote` is `oneOf` Quote, ShallowQuote or null, but neither object forbids the other's
 * field, so every real quote matches both: read it as `anyOf` (the tests check which one it is).
 */
function quoteAnyOf(components: any): any {
  const quote = components?.schemas?.Status?.properties?.quote;
  if (quote?.oneOf) quote.anyOf = quote.oneOf, delete quote.oneOf;
  return components;
}

const loosened = spec ? { components: quoteAnyOf(pushIdAsNumber(loosen(spec.components))) } : null;
const validators = new Map<string, Validator>();

function validatorFor(name: string): Validator {
  let v = validators.get(name);
  if (!v) {
    if (!loosened?.components.schemas[name]) throw new Error(`no schema ${name} in the OpenAPI document`);
    v = new Validator({ $ref: `#/components/schemas/${name}`, ...loosened } as any, "2020-12", false);
    validators.set(name, v);
  }
  return v;
}

/** Asserts that `value` is a valid `components.schemas[name]`; a no-op without the spec. */
export function expectSchema(value: unknown, name: string): void {
  if (!hasSpec) return;
  const result = validatorFor(name).validate(value);
  if (!result.valid) {
    const errors = result.errors.slice(0, 8).map((e) => `${e.instanceLocation}: ${e.error}`);
    expect.fail(`response is not a valid ${name}:\n${errors.join("\n")}`);
  }
}
