import type { Router } from "../router";
import { domainPolicies } from "../../core/domain-policy";
import { mediaRejectingHosts, withoutRefusedDomains, withoutRejectedMedia } from "../federation/domain-visibility";
import type { Ctx } from "../context";
import { ApiError, notFound, unwrap } from "../../lib/result";
import { optionalToken, userToken, type TokenAuth } from "../http/auth";
import { json, jsonText } from "../http/respond";
import { jsonArray, viewJsonFor } from "../http/viewed";
import { linkHeader, readPage } from "../http/pagination";
import { accountStub, remoteActorStub, threadStub } from "../../core/stubs";
import { noteLocalAccount, remoteActorUriOf } from "../../objects/federation/account-owners";
import { serializeAccount } from "../../core/serializers/account";
import { serializeStatus } from "../../core/serializers/status";
import { serializeViewedStatus } from "../../core/serializers/filter";
import { parseOrFail } from "../../schemas/accounts";
import { accountStatusesSchema, createStatusSchema, editStatusSchema, reblogSchema } from "../../schemas/statuses";
import { boolish, stringList } from "../../schemas/coerce";
import { normalizeTag } from "../../lib/status-text";
import type { StatusRecord, ViewedStatuses } from "../../schemas/records";
import { publicView, type ViewContext } from "../../objects/account/viewer";
import { locateStatusOwners, STATUS_ID, type StatusOwner } from "../../objects/status-index/locate";
import { CONTEXT_LIMITS } from "../../objects/account/statuses";
import type { StatusAction } from "../../objects/account/interactions";
import { editDraft, newStatusDraft } from "./status-drafts";
import { serializeScheduled } from "../../core/serializers/scheduled";
import { serializeStatusEdit } from "../../core/serializers/status-edit";
import { forgetCachedFiles } from "./media-files";
import { serializeMediaAttachment } from "../../core/serializers/media";

/**
 * Statuses: post, read, edit, delete, context, history, source, interactions, and an account's
 * statuses. Reads follow one pattern: the owning object returns candidates checked on the
 * author's side, then the viewer's object (`view`) authenticates, filters and adds its flags;
 * nothing is answered before that second call succeeds.
 */
export function registerStatuses(router: Router): void {
  router.post("/api/v1/statuses", create);
  router.get("/api/v1/statuses", showMany);
  router.get("/api/v1/statuses/:id", show);
  router.put("/api/v1/statuses/:id", edit);
  router.delete("/api/v1/statuses/:id", remove);
  router.get("/api/v1/statuses/:id/context", context);
  router.get("/api/v1/statuses/:id/history", history);
  router.get("/api/v1/statuses/:id/source", source);
  router.get("/api/v1/statuses/:id/favourited_by", (c) => interactionAccounts(c, "favourited_by"));
  router.get("/api/v1/statuses/:id/reblogged_by", (c) => interactionAccounts(c, "reblogged_by"));
  for (const action of ["favourite", "unfavourite", "reblog", "unreblog", "bookmark", "unbookmark", "pin", "unpin", "mute", "unmute"] as const) {
    router.post(`/api/v1/statuses/:id/${action}`, (c) => act(c, action));
  }
  router.get("/api/v1/accounts/:id/statuses", accountStatuses);
}

// ----- shared by the statuses family (polls, favourites, scheduled statuses) -----

const ANONYMOUS_VIEW = (statuses: StatusRecord[]): ViewedStatuses => ({ statuses: publicView(statuses), flags: {}, filtered: {} });

/** Candidates as the caller may see them: the viewer's object decides (and authenticates). */
export async function viewFor(c: Ctx, auth: TokenAuth | null, candidates: StatusRecord[], context: ViewContext, scope = "read:statuses"): Promise<ViewedStatuses> {
  if (!auth) return ANONYMOUS_VIEW(candidates);
  return unwrap(await accountStub(c.env, auth.accountId).view(auth.token, candidates, context, scope));
}

/** Status entity; `viewed` null for anonymous readers (no viewer fields, no `filtered`). */
export function renderStatus(c: Ctx, s: StatusRecord, viewed: Pick<ViewedStatuses, "flags"> & Partial<Pick<ViewedStatuses, "filtered">> | null): Record<string, unknown> {
  if (!viewed) return serializeStatus(s, c);
  return serializeViewedStatus(s, c, { flags: viewed.flags, filtered: viewed.filtered ?? {} });
}

export function renderViewed(c: Ctx, auth: TokenAuth | null, viewed: ViewedStatuses, statuses = viewed.statuses) {
  return statuses.map((s) => renderStatus(c, s, auth ? viewed : null));
}

/**
 * Statuses that a viewer id may see, looked up in the owners' objects (one call per owner): a
 * local author's account object, or a remote author's RemoteActorObject (federation).
 */
export async function fetchStatuses(c: Ctx, ids: string[], viewerId: string | null): Promise<StatusRecord[]> {
  return fromOwners(c, ids, (source, ownIds) => source.statusesFor(ownIds, viewerId));
}

/** fetchStatuses as snapshot JSON, for answers rendered with worker/http/viewed.ts. */
async function fetchStatusSnapshots(c: Ctx, ids: string[], viewerId: string | null): Promise<string[]> {
  return (await fromOwners(c, ids, (source, ownIds) => source.statusSnapshotsFor(ownIds, viewerId))).map((e) => e.snapshot);
}

type StatusSource = ReturnType<typeof accountStub> | ReturnType<typeof remoteActorStub>;

/** Asks each owner of `ids` for its own (one call per owner, in parallel); answers in `ids` order. */
async function fromOwners<T extends { id: string }>(c: Ctx, ids: string[], ask: (source: StatusSource, ids: string[]) => Promise<T[]>): Promise<T[]> {
  const owners = await locateStatusOwners(c.env, ids);
  const byOwner = new Map<string, { owner: StatusOwner; ids: string[] }>();
  for (const [id, owner] of owners) {
    const key = owner.actorUri ?? owner.accountId;
    byOwner.set(key, { owner, ids: [...(byOwner.get(key)?.ids ?? []), id] });
  }
  // Statuses of suspended (or, in limited federation mode, not allowed) domains are hidden.
  const remoteHosts = [...byOwner.values()].flatMap(({ owner }) => (owner.actorUri ? [owner.actorUri] : []));
  const policies = remoteHosts.length ? await domainPolicies(c.env, remoteHosts) : null;
  const found = await Promise.all(
    [...byOwner.values()]
      .filter(({ owner }) => !(owner.actorUri && policies?.get(owner.actorUri)?.refused))
      .map(({ owner, ids: ownIds }) => ask(owner.actorUri ? remoteActorStub(c.env, owner.actorUri) : accountStub(c.env, owner.accountId), ownIds)),
  );
  const byId = new Map(found.flat().map((s) => [s.id, s]));
  return ids.map((id) => byId.get(id)).filter((s): s is T => s !== undefined);
}

/** One status as the caller may see it, with the viewer's flags; 404 otherwise. */
export async function visibleStatus(c: Ctx, auth: TokenAuth | null, id: string, context: ViewContext = "single") {
  const candidates = await fetchStatuses(c, [id], auth?.accountId ?? null);
  const viewed = await viewFor(c, auth, candidates, context);
  const status = viewed.statuses[0];
  if (!status) throw notFound();
  return { status, viewed };
}

function statusId(c: Ctx): string {
  if (!STATUS_ID.test(c.route.id)) throw notFound();
  return c.route.id;
}

// ----- handlers -----

async function create(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const params = parseOrFail(createStatusSchema, await c.params());
  const { draft, scheduledAt } = await newStatusDraft(c, params);
  const idempotencyKey = c.request.headers.get("idempotency-key")?.slice(0, 255) || null;
  const outcome = unwrap(await accountStub(c.env, auth.accountId).postStatus(auth.token, { draft, idempotencyKey, scheduledAt }));
  if (outcome.kind === "scheduled") return json(serializeScheduled(outcome.value, c));
  return json(renderStatus(c, outcome.value.status, outcome.value));
}

const MAX_IDS = 20;

async function showMany(c: Ctx): Promise<Response> {
  const auth = await optionalToken(c, "read:statuses");
  const parsed = stringList.safeParse((await c.params()).id ?? []);
  if (!parsed.success) throw new ApiError(422, "Validation failed: Id must be a list of status ids");
  const ids = [...new Set(parsed.data.filter((id) => STATUS_ID.test(id)))].slice(0, MAX_IDS);
  return jsonText(jsonArray(await viewJsonFor(c, auth, await fetchStatusSnapshots(c, ids, auth?.accountId ?? null), "single")));
}

async function show(c: Ctx): Promise<Response> {
  const id = statusId(c);
  const auth = await optionalToken(c, "read:statuses");
  const [status] = await viewJsonFor(c, auth, await fetchStatusSnapshots(c, [id], auth?.accountId ?? null), "single");
  if (!status) throw notFound();
  return jsonText(status);
}

/** Attachments of statuses from domains whose media are rejected, marked as not stored here. */
async function withMediaPolicy<T extends object>(c: Ctx, records: StatusRecord[], body: T[]): Promise<T[]> {
  return withoutRejectedMedia(body, await mediaRejectingHosts(c.env, records));
}

async function edit(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const id = statusId(c);
  const draft = await editDraft(c, parseOrFail(editStatusSchema, await c.params()));
  const out = unwrap(await accountStub(c.env, auth.accountId).editStatus(auth.token, id, draft));
  return json(renderStatus(c, out.status, out));
}

/** Deleting returns the status with its source `text`, for "delete and redraft". */
async function remove(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const id = statusId(c);
  // Media stay a day for a redraft unless `delete_media` asks for them to go at once (Mastodon 4.4).
  const deleteMedia = boolish.safeParse((await c.params()).delete_media ?? false);
  const out = unwrap(await accountStub(c.env, auth.accountId).deleteStatus(auth.token, id, deleteMedia.success && deleteMedia.data));
  if (deleteMedia.success && deleteMedia.data) {
    const gone = (out.status.media_attachments ?? []).map((m) => serializeMediaAttachment(m, c));
    forgetCachedFiles(c, gone.flatMap((m) => [m.url, m.preview_url]));
  }
  return json({ ...renderStatus(c, out.status, { flags: {} }), text: out.text });
}

async function context(c: Ctx): Promise<Response> {
  const id = statusId(c);
  const auth = await optionalToken(c, "read:statuses");
  const [status] = await fetchStatuses(c, [id], auth?.accountId ?? null);
  const threaded = status && !status.reblog && (status.in_reply_to_id !== null || status.replies_count > 0);
  const limits = auth ? CONTEXT_LIMITS.signedIn : CONTEXT_LIMITS.anonymous;
  const thread = threaded ? await threadStub(c.env, status.conversation_id).context(id, limits) : { ancestors: [], descendants: [] };
  // The thread's copies of statuses from suspended domains are left out, as the root would be.
  const candidates = status ? await withoutRefusedDomains(c.env, [status, ...thread.ancestors, ...thread.descendants]) : [];
  const viewed = await viewFor(c, auth, candidates, "thread");
  const visible = new Set(viewed.statuses.map((s) => s.id));
  if (!visible.has(id)) throw notFound();
  const render = (list: StatusRecord[]) => renderViewed(c, auth, viewed, viewed.statuses.filter((s) => list.some((x) => x.id === s.id)));
  const [ancestors, descendants] = await Promise.all([thread.ancestors, thread.descendants].map((list) => withMediaPolicy(c, list, render(list))));
  return json({ ancestors, descendants });
}

async function history(c: Ctx): Promise<Response> {
  const id = statusId(c);
  const auth = await optionalToken(c, "read:statuses");
  const owner = (await locateStatusOwners(c.env, [id])).get(id);
  const viewerId = auth?.accountId ?? null;
  const found = !owner
    ? null
    : owner.actorUri
      ? await remoteActorStub(c.env, owner.actorUri).statusHistory(id, viewerId)
      : await accountStub(c.env, owner.accountId).statusHistory(id, viewerId);
  const viewed = await viewFor(c, auth, found?.ok ? [found.value.status] : [], "single");
  if (!found?.ok || viewed.statuses.length === 0) throw notFound();
  return json(found.value.versions.map((v) => serializeStatusEdit(v, c)));
}

async function source(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const id = statusId(c);
  const owner = (await locateStatusOwners(c.env, [id])).get(id);
  // Only local statuses have a source (the text as typed); a remote one answers 404.
  const found = owner && !owner.actorUri ? await accountStub(c.env, owner.accountId).statusSource(id, auth.accountId) : null;
  const viewed = await viewFor(c, auth, found?.ok ? [found.value.status] : [], "single");
  if (!found?.ok || viewed.statuses.length === 0) throw notFound();
  return json(found.value.source);
}

async function interactionAccounts(c: Ctx, list: "favourited_by" | "reblogged_by"): Promise<Response> {
  const id = statusId(c);
  const auth = await optionalToken(c, "read:accounts");
  const page = readPage(await c.params(), 40, 80);
  const owner = (await locateStatusOwners(c.env, [id])).get(id);
  const viewerId = auth?.accountId ?? null;
  const found = !owner
    ? null
    : owner.actorUri
      ? await remoteActorStub(c.env, owner.actorUri).interactionAccounts(id, viewerId, list, page)
      : await accountStub(c.env, owner.accountId).interactionAccounts(id, viewerId, list, page);
  const viewed = await viewFor(c, auth, found?.ok ? [found.value.status] : [], "single", "read:accounts");
  if (!found?.ok || viewed.statuses.length === 0) throw notFound();
  const items = found.value.accounts;
  const link = linkHeader(c.url, items, (i) => i.cursor);
  return json(
    items.map((i) => serializeAccount(i.account, c)),
    link ? { headers: { link } } : {},
  );
}

async function act(c: Ctx, action: StatusAction): Promise<Response> {
  const auth = await userToken(c);
  const id = statusId(c);
  const options = action === "reblog" ? parseOrFail(reblogSchema, await c.params()) : {};
  const out = unwrap(await accountStub(c.env, auth.accountId).statusAction(auth.token, action, id, options));
  return json(renderStatus(c, out.status, out));
}

async function accountStatuses(c: Ctx): Promise<Response> {
  if (!/^\d{1,20}$/.test(c.route.id)) throw notFound();
  const auth = await optionalToken(c, "read:statuses");
  const params = await c.params();
  const q = parseOrFail(accountStatusesSchema, params);
  const page = readPage(params, 20, 40);
  const query = {
    page,
    pinned: q.pinned ?? false,
    exclude_replies: q.exclude_replies ?? false,
    exclude_reblogs: q.exclude_reblogs ?? false,
    only_media: q.only_media ?? false,
    tagged: q.tagged ? normalizeTag(q.tagged.replace(/^#/, "")) : null,
  };
  // A remote account's statuses are those its RemoteActorObject holds (federation).
  const remoteUri = await remoteActorUriOf(c.env, c.route.id);
  const source = remoteUri ? remoteActorStub(c.env, remoteUri) : accountStub(c.env, c.route.id);
  const entries = unwrap(await source.accountStatusSnapshots(auth?.accountId ?? null, query));
  if (!remoteUri) noteLocalAccount(c.route.id);
  const viewed = await viewJsonFor(c, auth, entries.map((e) => e.snapshot), "account");
  const link = query.pinned ? undefined : linkHeader(c.url, entries, (s) => s.id);
  return jsonText(jsonArray(viewed), link ? { headers: { link } } : {});
}
