import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, notFound } from "../../lib/result";
import { json } from "../http/respond";
import { linkHeader, linkHeaders, readPage } from "../http/pagination";
import { accountStub, directoryStub, remoteActorStub } from "../../core/stubs";
import { remoteActorUriOf } from "../../objects/federation/account-owners";
import { instanceSettings } from "../../core/instance-settings";
import { remoteAccountById } from "../federation/resolve";
import { serializeAdminReport, serializeRemoteAdminAccount, type AdminAccountEntity, type AdminReportEntity } from "../../core/serializers/admin";
import { serializeStatus } from "../../core/serializers/status";
import type { AccountSnapshot, ModerationReport, ReportCategory } from "../../schemas/records";
import type { ReportChange } from "../../objects/directory/moderation";
import { DIGIT_ID, findAdminAccount, flag, text, localAdminAccount, PAGE_DEFAULT, PAGE_MAX, requireStaff } from "./admin";

/**
 * Mastodon's admin API for reports: list (open or resolved, by reporter or reported account),
 * show, assign to oneself or unassign, resolve, reopen, and change the category and cited rules.
 * Every staff role may handle reports (Mastodon's moderators hold `manage_reports`).
 */
export function registerAdminReports(router: Router): void {
  router.get("/api/v1/admin/reports", listReports);
  router.get("/api/v1/admin/reports/:id", showReport);
  router.put("/api/v1/admin/reports/:id", updateReport);
  router.post("/api/v1/admin/reports/:id/assign_to_self", (c) => changeAs(c, (me) => ({ op: "assign", accountId: me })));
  router.post("/api/v1/admin/reports/:id/unassign", (c) => changeAs(c, () => ({ op: "assign", accountId: null })));
  router.post("/api/v1/admin/reports/:id/resolve", (c) => changeAs(c, (me) => ({ op: "resolve", byAccountId: me })));
  router.post("/api/v1/admin/reports/:id/reopen", (c) => changeAs(c, () => ({ op: "reopen" })));
}

const CATEGORIES: readonly ReportCategory[] = ["spam", "legal", "violation", "other"];

async function listReports(c: Ctx): Promise<Response> {
  await requireStaff(c, "admin:read:reports");
  const p = await c.params();
  const id = (v: unknown) => (typeof v === "string" && DIGIT_ID.test(v) ? v : undefined);
  if ((p.account_id !== undefined && !id(p.account_id)) || (p.target_account_id !== undefined && !id(p.target_account_id))) {
    return json([]);
  }
  const reports = await directoryStub(c.env).moderationReports({
    resolved: flag(p.resolved),
    accountId: id(p.account_id),
    targetAccountId: id(p.target_account_id),
    targetDomain: text(p.by_target_domain)?.trim().toLowerCase(),
    window: readPage(p, PAGE_DEFAULT, PAGE_MAX),
  });
  const entities = await adminReports(c, reports);
  return json(entities, { headers: linkHeaders(linkHeader(c.url, entities, (r) => r.id)) });
}

async function showReport(c: Ctx): Promise<Response> {
  await requireStaff(c, "admin:read:reports");
  const report = DIGIT_ID.test(c.route.id) ? await directoryStub(c.env).moderationReport(c.route.id) : null;
  return json(await oneReport(c, report));
}

async function oneReport(c: Ctx, report: ModerationReport | null): Promise<AdminReportEntity> {
  const [entity] = report ? await adminReports(c, [report]) : [];
  if (!entity) throw notFound();
  return entity;
}

/** A change to a report as the given moderator (API and web page). */
export async function changeReportAs(c: Ctx, id: string, change: ReportChange): Promise<AdminReportEntity> {
  const report = DIGIT_ID.test(id) ? await directoryStub(c.env).changeReport(id, change) : null;
  return oneReport(c, report);
}

async function changeAs(c: Ctx, change: (moderatorId: string) => ReportChange): Promise<Response> {
  const viewer = await requireStaff(c, "admin:write:reports");
  return json(await changeReportAs(c, c.route.id, change(viewer.account.id)));
}

/** `PUT`: category (one of Mastodon's four) and, for a violation, the instance rules it breaks. */
async function updateReport(c: Ctx): Promise<Response> {
  await requireStaff(c, "admin:write:reports");
  const p = await c.params();
  const category = p.category === undefined ? undefined : String(p.category);
  if (category !== undefined && !CATEGORIES.includes(category as ReportCategory)) {
    throw new ApiError(422, "Validation failed: Category is not included in the list");
  }
  let ruleIds: string[] | undefined;
  if (p.rule_ids !== undefined) {
    ruleIds = [p.rule_ids].flat().filter((v) => v !== "").map(String);
    const known = new Set(instanceSettings(c.env).rules.map((r) => r.id));
    if (ruleIds.some((r) => !known.has(r))) throw new ApiError(422, "Validation failed: Rule ids is invalid");
  }
  return json(await changeReportAs(c, c.route.id, { op: "update", category: category as ReportCategory | undefined, ruleIds }));
}

/**
 * Admin::Report entities. The reporter is remote when the report came with a Flag; the reported
 * account is local, or remote for a local user's report about another server's account. A
 * report whose accounts no longer exist is left out (Mastodon deletes it with the account).
 */
export async function adminReports(c: Ctx, reports: ModerationReport[]): Promise<AdminReportEntity[]> {
  const accounts = new Map<string, Promise<AdminAccountEntity | null>>();
  const once = (key: string, load: () => Promise<AdminAccountEntity | null>) => {
    if (!accounts.has(key)) accounts.set(key, load());
    return accounts.get(key)!;
  };
  const local = (id: string | null) => (id ? once(id, () => localAdminAccount(c, id)) : Promise.resolve(null));
  const reporter = (r: ModerationReport) => (r.reporterUri ? once(r.reporterId, () => remoteReporter(c, r)) : local(r.reporterId));
  const rules = instanceSettings(c.env).rules;
  const built = await Promise.all(
    reports.map(async (r) => {
      const [account, targetAccount, assignedAccount, actionTakenBy] = await Promise.all([
        reporter(r),
        once(r.targetAccountId, () => findAdminAccount(c, r.targetAccountId)),
        local(r.assignedAccountId),
        local(r.actionTakenByAccountId),
      ]);
      if (!account || !targetAccount) return null;
      const statuses = await reportedStatuses(c, r, targetAccount.domain === null);
      return serializeAdminReport(r, { account, targetAccount, assignedAccount, actionTakenBy, statuses, rules });
    }),
  );
  return built.filter((r): r is AdminReportEntity => r !== null);
}

/**
 * The reported statuses: a local account's as their author sees them (moderators see every
 * visibility, even when suspended), a remote account's as we stored them.
 */
async function reportedStatuses(c: Ctx, r: ModerationReport, local: boolean): Promise<Record<string, unknown>[]> {
  if (r.statusIds.length === 0) return [];
  if (local) return (await accountStub(c.env, r.targetAccountId).reportedStatuses(r.statusIds)).map((s) => serializeStatus(s, c));
  const uri = await remoteActorUriOf(c.env, r.targetAccountId);
  const records = uri ? await remoteActorStub(c.env, uri).statusesById(r.statusIds) : [];
  return records.map((s) => serializeStatus(s, c));
}

/**
 * The remote reporter as stored; if its actor is gone from our storage, an account built from its
 * actor URI, so that the report stays readable.
 */
async function remoteReporter(c: Ctx, r: ModerationReport): Promise<AdminAccountEntity | null> {
  const stored = await remoteAccountById(c.env, c, r.reporterId);
  if (stored) return serializeRemoteAdminAccount(stored, c);
  let uri: URL;
  try {
    uri = new URL(r.reporterUri!);
  } catch {
    return null;
  }
  const username = uri.pathname.split("/").filter(Boolean).pop() ?? uri.hostname;
  return serializeRemoteAdminAccount(placeholderAccount(r, username, uri), c);
}

function placeholderAccount(r: ModerationReport, username: string, uri: URL): AccountSnapshot {
  return {
    id: r.reporterId,
    username,
    domain: uri.host,
    display_name: "",
    note: "",
    note_html: "",
    fields: [],
    locked: false,
    bot: false,
    discoverable: false,
    indexable: false,
    hide_collections: false,
    privacy: "public",
    sensitive: false,
    language: null,
    role: "user",
    avatar_url: null,
    header_url: null,
    created_at: r.createdAt,
    last_status_at: null,
    statuses_count: 0,
    followers_count: 0,
    following_count: 0,
    uri: uri.href,
    url: uri.href,
  };
}
