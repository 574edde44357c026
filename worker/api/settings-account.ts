import type { Router } from "../router";
import type { Ctx } from "../context";
import type { Params } from "../http/body";
import { redirect } from "../http/respond";
import { accountStub } from "../../core/stubs";
import { actorUri, profileUrl } from "../../core/serializers/account";
import { instanceSettings } from "../../core/instance-settings";
import { toSnapshot } from "../../schemas/records";
import { parseHandle } from "../../lib/federation/webfinger";
import { resolveRemoteActor } from "../../objects/federation/remote-actors";
import type { AccountSettingsOp, AccountSettingsView } from "../../objects/account/account-settings";
import type { MoveInput } from "../../objects/account/moving";
import { errorPage, pageLang, pageResponse } from "../../web/layout";
import { CSRF_FIELD, clearSessionCookie, csrfMatches, currentSession, type WebSession } from "../../web/session";
import { renderAliases, renderDelete, renderDeleted, renderMigration, type AccountSettingsPage } from "../../web/settings-account";
import { findLocalUsername, forgetLocalUsername } from "../directory-cache";
import { resolveHandle } from "../federation/resolve";

/**
 * The signed-in account settings pages (web/settings-account.ts): aliases, moving to another
 * account and deleting this one, at Mastodon's paths. The handles typed in are resolved here
 * (WebFinger and a fresh fetch of the actor for a move); the account object checks the session
 * and the password and does the rest (objects/account/account-settings.ts).
 */
export function registerSettingsAccount(router: Router): void {
  router.get("/settings/aliases", (c) => show(c, "aliases"));
  router.post("/settings/aliases", (c) => submit(c, "aliases", addAlias));
  router.post("/settings/aliases/remove", (c) => submit(c, "aliases", async (_c, p) => ({ op: "removeAlias", uri: text(p.uri) })));
  router.get("/settings/migration", (c) => show(c, "migration"));
  router.post("/settings/migration", (c) => submit(c, "migration", move));
  router.get("/settings/delete", (c) => show(c, "delete"));
  router.post("/settings/delete", (c) => submit(c, "delete", async (_c, p) => ({ op: "delete", password: text(p.password ?? nested(p, "form_delete_confirmation", "password")) })));
}

type Which = "aliases" | "migration" | "delete";
/** An operation to run, or the message to show instead (a handle that cannot be resolved). */
type Planned = AccountSettingsOp | string;

const text = (v: unknown): string => (typeof v === "string" ? v.trim() : "");
/** Rails-style nested fields (`account_alias[acct]`), as Mastodon's own forms name them. */
const nested = (p: Params, outer: string, inner: string): unknown => {
  const o = p[outer];
  return o && typeof o === "object" && !Array.isArray(o) ? (o as Record<string, unknown>)[inner] : undefined;
};

async function signedIn(c: Ctx): Promise<WebSession | Response> {
  const session = await currentSession(c.request, c.env);
  return session ?? redirect("/auth/sign_in", 302, { "cache-control": "no-store" });
}

async function show(c: Ctx, which: Which, messages: { error?: string; notice?: string } = {}, status = 200): Promise<Response> {
  const lang = pageLang((await c.params()).lang);
  const session = await signedIn(c);
  if (session instanceof Response) return session;
  const result = await accountStub(c.env, session.accountId).accountSettings(session.handle, { op: "show" });
  if (!result.ok) return redirect("/auth/sign_in", 302, { "cache-control": "no-store" });
  return pageResponse(render(c, which, lang, session, result.value as AccountSettingsView, messages), status);
}

function render(c: Ctx, which: Which, lang: string, session: WebSession, view: AccountSettingsView, messages: { error?: string; notice?: string }): string {
  const base: AccountSettingsPage = { lang, title: instanceSettings(c.env).title, username: view.username, csrf: session.csrf, ...messages };
  if (which === "aliases") return renderAliases({ ...base, aliases: view.aliases });
  if (which === "delete") return renderDelete(base);
  const moved = view.moved;
  return renderMigration({
    ...base,
    ownHandle: `${view.username}@${c.domain}`,
    movedTo: moved ? { acct: moved.domain ? `${moved.username}@${moved.domain}` : `${moved.username}@${c.domain}`, url: moved.url ?? profileUrl(c, moved.username) } : null,
    cooldownUntil: view.cooldownUntil ? new Date(view.cooldownUntil).toISOString().slice(0, 10) : null,
  });
}

/** A form post: session, CSRF value, the operation; the page again with the outcome. */
async function submit(c: Ctx, which: Which, plan: (c: Ctx, p: Params, session: WebSession) => Promise<Planned>): Promise<Response> {
  const p = await c.params();
  const lang = pageLang(p.lang);
  const session = await signedIn(c);
  if (session instanceof Response) return session;
  if (!csrfMatches(session.csrf, p[CSRF_FIELD])) {
    return errorPage(403, "Invalid form", "This form expired or was not sent from this site. Go back, reload the page and try again.", lang);
  }
  const op = await plan(c, p, session);
  if (typeof op === "string") return show(c, which, { error: op }, 422);
  const result = await accountStub(c.env, session.accountId).accountSettings(session.handle, op);
  if (!result.ok) {
    if (result.status === 401) return redirect("/auth/sign_in", 302, { "cache-control": "no-store" });
    return show(c, which, { error: result.error.replace(/^Validation failed: /, "") }, result.status === 429 ? 429 : 422);
  }
  if ("deleted" in result.value) {
    forgetLocalUsername(result.value.deleted);
    return pageResponse(renderDeleted(lang, instanceSettings(c.env).title), 200, { "set-cookie": clearSessionCookie(c.url) });
  }
  return redirect(`/settings/${which}`, 303, { "cache-control": "no-store" });
}

// ----- resolving the handle typed in -----

interface Target {
  snapshot: MoveInput["target"];
  uri: string;
  aliases: string[];
}

/** `user`, `@user`, `user@domain` or `@user@domain`: a local account or one fetched from its server. */
async function resolveTarget(c: Ctx, input: string, fresh: boolean): Promise<Target | null> {
  const bare = input.replace(/^acct:/i, "").replace(/^@/, "");
  const handle = bare.includes("@") ? parseHandle(bare) : { username: bare, domain: c.domain.toLowerCase() };
  if (!handle || !handle.username) return null;
  if (handle.domain === c.domain.toLowerCase()) {
    const entry = /^[a-z0-9_]{1,30}$/i.test(handle.username) ? await findLocalUsername(c.env, handle.username) : null;
    const record = entry?.approved ? await accountStub(c.env, entry.id).get() : null;
    if (!record) return null;
    return { snapshot: toSnapshot(record), uri: actorUri(c, record.username), aliases: record.also_known_as ?? [] };
  }
  const account = await resolveHandle(c.env, c, bare);
  if (!account?.uri) return null;
  // A move trusts only the target's current document (Mastodon refetches it).
  const actor = await resolveRemoteActor(c.env, account.uri, { origin: c.origin, refresh: fresh });
  if (!actor.ok) return null;
  return { snapshot: actor.value.account, uri: actor.value.uri, aliases: actor.value.alsoKnownAs };
}

async function addAlias(c: Ctx, p: Params, session: WebSession): Promise<Planned> {
  const acct = text(p.acct ?? nested(p, "account_alias", "acct"));
  if (!acct) return "Handle of the old account can't be blank";
  const target = await resolveTarget(c, acct, false);
  if (!target) return "Handle of the old account could not be found";
  return { op: "addAlias", uri: target.uri, ownUri: actorUri(c, session.account.username) };
}

async function move(c: Ctx, p: Params, session: WebSession): Promise<Planned> {
  const acct = text(p.acct ?? nested(p, "account_migration", "acct"));
  const password = text(p.current_password ?? nested(p, "account_migration", "current_password"));
  if (!acct) return "Handle of the new account can't be blank";
  if (!password) return "Current password can't be blank";
  const target = await resolveTarget(c, acct, true);
  if (!target) return "Handle of the new account could not be found";
  return {
    op: "move",
    password,
    target: target.snapshot,
    targetUri: target.uri,
    targetAliases: target.aliases,
    ownUri: actorUri(c, session.account.username),
  };
}
