import type { Router } from "../router";
import type { Ctx } from "../context";
import { unwrap } from "../../lib/result";
import { userObject } from "../http/auth";
import { json } from "../http/respond";
import { serializeAccount } from "../../core/serializers/account";
import { parseOrFail } from "../../schemas/accounts";
import { z } from "zod";
import { intish } from "../../schemas/coerce";

/**
 * Follow suggestions, computed by the caller's object (objects/account/suggestions.ts) from its
 * social graph and the instance's active accounts. v1 lists accounts; v2 adds why
 * (`sources`, and the older `source`).
 */
/** `limit`: 40 by default, at most 80, as Mastodon's. */
const suggestionsSchema = z.object({
  limit: z.preprocess((v) => (v === undefined || v === null || v === "" ? 40 : v), intish).transform((v) => Math.min(Math.max(v, 1), 80)),
});

export function registerSuggestions(router: Router): void {
  router.get("/api/v1/suggestions", (c) => list(c, 1));
  router.get("/api/v2/suggestions", (c) => list(c, 2));
  router.delete("/api/v1/suggestions/:account_id", dismiss);
}

async function list(c: Ctx, version: 1 | 2): Promise<Response> {
  const { token, stub } = await userObject(c, "read");
  const { limit } = parseOrFail(suggestionsSchema, await c.params());
  const found = unwrap(await stub.suggestions(token, limit));
  if (version === 1) return json(found.map((s) => serializeAccount(s.account, c)));
  return json(
    found.map((s) => ({
      source: s.sources.includes("friends_of_friends") ? "past_interactions" : "global",
      sources: s.sources,
      account: serializeAccount(s.account, c),
    })),
  );
}

async function dismiss(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "read");
  unwrap(await stub.dismissSuggestion(token, c.route.account_id));
  return json({});
}
