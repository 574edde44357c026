import type { Router } from "../router";
import type { Ctx } from "../context";
import { unwrap } from "../../lib/result";
import { bearerToken, requireCaller, userObject } from "../http/auth";
import { tokenOwner } from "../../lib/tokens";
import { json } from "../http/respond";
import { directoryStub } from "../../core/stubs";
import { serializeAccount } from "../../core/serializers/account";
import { parseOrFail } from "../../schemas/accounts";
import { accountSearchSchema, directorySchema } from "../../schemas/graph";
import { parseAccountQuery } from "../../lib/account-search";
import type { AccountSnapshot } from "../../schemas/records";

/**
 * Finding accounts: `/api/v1/accounts/search` (by username or display name; `following`
 * limits it to the caller's follows) and the profile directory `/api/v1/directory`. Both are
 * served from the directory's profile copies, through the caller's object when signed in so
 * that blocked (and, for the directory, muted) accounts are left out.
 */
export function registerDirectory(router: Router): void {
  router.get("/api/v1/accounts/search", search);
  router.get("/api/v1/directory", browse);
}

/** `resolve` would look up remote accounts (federation issue); only local ones are found now. */
async function search(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "read:accounts");
  const params = parseOrFail(accountSearchSchema, await c.params());
  const query = parseAccountQuery(params.q);
  const local = query.domain === null || query.domain === c.domain.toLowerCase();
  const term = local ? query.term : "";
  const found = unwrap(await stub.searchAccounts(token, { term, limit: params.limit, offset: params.offset, following: params.following }));
  return json(found.map((a) => serializeAccount(a, c)));
}

/**
 * Anonymous directory pages are the same for everyone: cached in the isolate for a short while
 * so the directory singleton is not on the path of every visit (design invariant 3).
 */
const CACHE_TTL_MS = 30_000;
const anonymousPages = new Map<string, { at: number; accounts: AccountSnapshot[] }>();

async function browse(c: Ctx): Promise<Response> {
  const params = parseOrFail(directorySchema, await c.params());
  const input = { order: params.order, limit: params.limit, offset: params.offset };
  const token = bearerToken(c);
  let accounts: AccountSnapshot[];
  if (token && tokenOwner(token)?.kind === "user") {
    const { stub } = await userObject(c, null);
    accounts = unwrap(await stub.browseDirectory(token, input));
  } else {
    if (token) await requireCaller(c, null);
    accounts = await cachedDirectoryPage(c.env, input);
  }
  return json(accounts.map((a) => serializeAccount(a, c)));
}

async function cachedDirectoryPage(env: Env, input: { order: "active" | "new"; limit: number; offset: number }): Promise<AccountSnapshot[]> {
  const key = `${input.order}:${input.offset}:${input.limit}`;
  const hit = anonymousPages.get(key);
  if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.accounts;
  const accounts = await directoryStub(env).browseDirectory({ ...input, exclude: [] });
  if (anonymousPages.size > 100) anonymousPages.clear();
  anonymousPages.set(key, { at: Date.now(), accounts });
  return accounts;
}
