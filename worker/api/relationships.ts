import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, unwrap } from "../../lib/result";
import { optionalUser, userObject } from "../http/auth";
import { json } from "../http/respond";
import { readPage } from "../http/pagination";
import { accountsJson, pagedJson, routeId } from "../http/account-pages";
import { accountStub } from "../../core/stubs";
import { serializeAccount } from "../../core/serializers/account";
import { serializeRelationship } from "../../core/serializers/relationship";
import { parseOrFail } from "../../schemas/accounts";
import { muteSchema, noteSchema } from "../../schemas/graph";
import { stringList } from "../../schemas/coerce";
import type { Collection } from "../../objects/account/graph-reads";

import { remoteActorUriOf } from "../../objects/federation/account-owners";
import type { RelationshipRecord } from "../../schemas/records";

/**
 * Relationships and the account lists around them: relationships, familiar followers,
 * block/mute/note/endorse, an account's followers/following/endorsements, and the caller's
 * blocks, mutes and endorsements. The caller's own data is one RPC to the caller's object.
 */
export function registerRelationships(router: Router): void {
  router.get("/api/v1/accounts/relationships", relationships);
  router.get("/api/v1/accounts/familiar_followers", familiarFollowers);
  router.post("/api/v1/accounts/:id/block", (c) => relationshipAction(c, "write:blocks", (s, t, id) => s.block(t, id)));
  router.post("/api/v1/accounts/:id/unblock", (c) => relationshipAction(c, "write:blocks", (s, t, id) => s.unblock(t, id)));
  router.post("/api/v1/accounts/:id/mute", mute);
  router.post("/api/v1/accounts/:id/unmute", (c) => relationshipAction(c, "write:mutes", (s, t, id) => s.unmute(t, id)));
  router.post("/api/v1/accounts/:id/note", note);
  // `pin`/`unpin` are the older names of `endorse`/`unendorse` (Mastodon keeps both).
  for (const [path, on] of [["pin", true], ["unpin", false], ["endorse", true], ["unendorse", false]] as const) {
    router.post(`/api/v1/accounts/:id/${path}`, (c) =>
      relationshipAction(c, "write:accounts", (s, t, id) => (on ? s.endorse(t, id) : s.unendorse(t, id))),
    );
  }
  router.get("/api/v1/accounts/:id/followers", (c) => collection(c, "followers"));
  router.get("/api/v1/accounts/:id/following", (c) => collection(c, "following"));
  router.get("/api/v1/accounts/:id/endorsements", (c) => collection(c, "endorsements"));
  router.get("/api/v1/blocks", async (c) => {
    const { token, stub } = await userObject(c, "read:blocks");
    return accountsJson(c, unwrap(await stub.blocks(token, readPage(await c.params(), 40, 80))));
  });
  router.get("/api/v1/mutes", mutes);
  router.get("/api/v1/endorsements", async (c) => {
    const { token, stub } = await userObject(c, "read:accounts");
    return accountsJson(c, unwrap(await stub.endorsements(token, readPage(await c.params(), 40, 80))));
  });
}

const DIGIT_ID = /^\d{1,20}$/;
/** Bounds one request's work; clients ask for a page of accounts at a time. */
const MAX_IDS = 200;

type AccountStub = ReturnType<typeof accountStub>;
type RelationshipCall = (stub: AccountStub, token: string, id: string) => Promise<{ ok: true; value: RelationshipRecord } | { ok: false; status: number; error: string }>;

async function relationshipAction(c: Ctx, scope: string, call: RelationshipCall): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, scope);
  return json(serializeRelationship(unwrap(await call(stub, token, id))));
}

/** `id[]=1&id[]=2` (or `id=1`): digit ids, deduplicated, in the order given. */
async function idList(c: Ctx): Promise<string[]> {
  const parsed = stringList.safeParse((await c.params()).id ?? []);
  if (!parsed.success) throw new ApiError(422, "Validation failed: Id must be a list of account ids");
  return [...new Set(parsed.data.filter((id) => DIGIT_ID.test(id)))].slice(0, MAX_IDS);
}

async function relationships(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "read:follows");
  const ids = await idList(c);
  return json(unwrap(await stub.relationships(token, ids)).map(serializeRelationship));
}

async function familiarFollowers(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "read:follows");
  const ids = (await idList(c)).slice(0, 40);
  const answers = unwrap(await stub.familiarFollowers(token, ids));
  return json(answers.map((a) => ({ id: a.id, accounts: a.accounts.map((s) => serializeAccount(s, c)) })));
}

async function mute(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:mutes");
  const options = parseOrFail(muteSchema, await c.params());
  return json(serializeRelationship(unwrap(await stub.mute(token, id, options))));
}

async function note(c: Ctx): Promise<Response> {
  const id = routeId(c);
  const { token, stub } = await userObject(c, "write:accounts");
  const { comment } = parseOrFail(noteSchema, await c.params());
  return json(serializeRelationship(unwrap(await stub.setNote(token, id, comment))));
}

/** MutedAccount: the Account plus when the mute ends. */
async function mutes(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "read:mutes");
  const entries = unwrap(await stub.mutes(token, readPage(await c.params(), 40, 80)));
  return pagedJson(c, entries, (e) => e.cursor, (e) => ({ ...serializeAccount(e.account, c), mute_expires_at: e.mute_expires_at ?? null }));
}

/** Public: anyone may read, but hide_collections and blocks are applied by the account's object. */
async function collection(c: Ctx, which: Collection): Promise<Response> {
  const id = routeId(c);
  const caller = await optionalUser(c, "read:accounts");
  const page = readPage(await c.params(), 40, 80);
  // A remote account's collections live on its server; we list none of them (yet).
  if (await remoteActorUriOf(c.env, id)) return accountsJson(c, []);
  return accountsJson(c, unwrap(await accountStub(c.env, id).collection(which, caller?.viewer.account.id ?? null, page)));
}
