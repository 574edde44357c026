import type { Router } from "../router";
import type { Ctx } from "../context";
import type { Params } from "../http/body";
import { ApiError, badRequest, forbidden, notFound, unwrap } from "../../lib/result";
import { requireCaller } from "../http/auth";
import { json } from "../http/respond";
import { linkHeader, linkHeaders, readPage } from "../http/pagination";
import type { Page } from "../../schemas/paging";
import { accountStub, directoryStub } from "../../core/stubs";
import { forgetLocalUsername } from "../directory-cache";
import { instanceSettings } from "../../core/instance-settings";
import { remoteAccountById } from "../federation/resolve";
import { remoteActorUriOf } from "../../objects/federation/account-owners";
import {
  serializeAdminAccount,
  serializeAdminReport,
  serializeRemoteAdminAccount,
  type AdminAccountEntity,
  type AdminReportEntity,
} from "../../core/serializers/admin";
import { serializeStatus } from "../../core/serializers/status";
import type { AccountSnapshot, ModerationReport, Role } from "../../schemas/records";

import type { AccountFilter, AccountStatus, ModerationEntry } from "../../objects/directory/moderation";
import type { Viewer } from "../../schemas/auth";

/**
 * The part of Mastodon's admin API an instance needs to run: accounts (list, show, approve and
 * reject registrations) and reports (list, show, resolve). Callers need an admin scope and a
 * moderator, admin or owner role. The web page at /admin (admin-page.ts) uses the same helpers.
 */
export function registerAdmin(router: Router): void {
  router.get("/api/v1/admin/accounts", listAccountsV1);
  router.get("/api/v2/admin/accounts", listAccountsV2);
  router.get("/api/v1/admin/accounts/:id", showAccount);
  router.post("/api/v1/admin/accounts/:id/approve", approveAccount);
  router.post("/api/v1/admin/accounts/:id/reject", rejectAccount);
  router.get("/api/v1/admin/reports", listReports);
  router.get("/api/v1/admin/reports/:id", showReport);
  router.post("/api/v1/admin/reports/:id/resolve", resolveReport);
}

export const NOT_ALLOWED = "This action is not allowed";
const STAFF_ROLES: ReadonlySet<Role> = new Set<Role>(["moderator", "admin", "owner"]);
/** Mastodon: 100 per page by default, at most twice that. */
const PAGE_DEFAULT = 100;
const PAGE_MAX = 200;
const DIGIT_ID = /^\d{1,19}$/;

export function isStaff(role: Role): boolean {
  return STAFF_ROLES.has(role);
}

/** A user token with the scope (or its parent, e.g. `admin:read`) whose account is staff. */
async function requireStaff(c: Ctx, scope: string): Promise<Viewer> {
  const caller = await requireCaller(c, scope);
  if (caller.kind !== "user" || !isStaff(caller.viewer.account.role)) throw forbidden(NOT_ALLOWED);
  return caller.viewer;
}

// ----- accounts -----

const FALSE = new Set(["", "false", "0", "off", "no", "f"]);
/** A boolean filter flag: given, and not a false-looking value. */
const flag = (v: unknown) => typeof v === "string" ? !FALSE.has(v.trim().toLowerCase()) : v === true;
const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v : undefined);

const STATUSES: readonly AccountStatus[] = ["active", "pending", "disabled", "silenced", "suspended", "sensitized"];

/** Filters no local account can match: we record no sign-in IPs, and local accounts have no domain. */
function matchesNothing(p: Params): boolean {
  return text(p.by_domain) !== undefined || text(p.ip) !== undefined;
}

/** v1: local, active accounts unless asked otherwise; the last status flag given wins (Mastodon). */
function v1Filter(p: Params, window: Page): AccountFilter {
  let status: AccountStatus = "active";
  for (const s of ["active", "pending", "disabled", "silenced", "suspended"] as const) if (flag(p[s])) status = s;
  return {
    origin: flag(p.remote) ? "remote" : "local",
    status,
    staff: flag(p.staff),
    username: text(p.username),
    displayName: text(p.display_name),
    email: text(p.email),
    window,
  };
}

/** v2: no defaults; unknown origins and statuses are 400s, as in Mastodon. */
function v2Filter(p: Params, window: Page): AccountFilter {
  const origin = text(p.origin);
  if (origin !== undefined && origin !== "local" && origin !== "remote") throw badRequest(`Unknown origin: ${origin}`);
  const status = text(p.status);
  if (status !== undefined && !STATUSES.includes(status as AccountStatus)) throw badRequest(`Unknown status: ${status}`);
  return {
    origin: origin as AccountFilter["origin"],
    status: status as AccountStatus | undefined,
    staff: p.permissions === "staff",
    username: text(p.username),
    displayName: text(p.display_name),
    email: text(p.email),
    window,
  };
}

async function listAccountsV1(c: Ctx): Promise<Response> {
  await requireStaff(c, "admin:read:accounts");
  const p = await c.params();
  return accountsPage(c, v1Filter(p, readPage(p, PAGE_DEFAULT, PAGE_MAX)), matchesNothing(p));
}

async function listAccountsV2(c: Ctx): Promise<Response> {
  await requireStaff(c, "admin:read:accounts");
  const p = await c.params();
  return accountsPage(c, v2Filter(p, readPage(p, PAGE_DEFAULT, PAGE_MAX)), matchesNothing(p));
}

async function accountsPage(c: Ctx, filter: AccountFilter, none: boolean): Promise<Response> {
  const entries = none ? [] : await directoryStub(c.env).moderationAccounts(filter);
  const accounts = await localAdminAccounts(c, entries);
  return json(accounts, { headers: linkHeaders(linkHeader(c.url, accounts, (a) => a.id)) });
}

/** Admin::Account entities of directory entries, in order (one call per account: pages are small and rare). */
export async function localAdminAccounts(c: Ctx, entries: ModerationEntry[]): Promise<AdminAccountEntity[]> {
  const found = await Promise.all(entries.map((e) => localAdminAccount(c, e.id)));
  return found.filter((a): a is AdminAccountEntity => a !== null);
}

async function localAdminAccount(c: Ctx, id: string): Promise<AdminAccountEntity | null> {
  const view = await accountStub(c.env, id).moderationView();
  return view ? serializeAdminAccount(view, c, instanceSettings(c.env).languages[0] ?? "en") : null;
}

/** A local account known to the directory, else a known remote account, else 404. */
async function anyAdminAccount(c: Ctx, id: string): Promise<AdminAccountEntity> {
  if (!DIGIT_ID.test(id)) throw notFound();
  const entry = await directoryStub(c.env).moderationEntry(id);
  const local = entry ? await localAdminAccount(c, id) : null;
  if (local) return local;
  const remote = await remoteAccountById(c.env, c, id);
  if (!remote) throw notFound();
  return serializeRemoteAdminAccount(remote, c);
}

async function showAccount(c: Ctx): Promise<Response> {
  await requireStaff(c, "admin:read:accounts");
  return json(await anyAdminAccount(c, c.route.id));
}

/**
 * Runs a decision on a registration. Unknown ids are 404; a remote account (no registration to
 * decide on) is 403, as in Mastodon.
 */
async function decide<T>(c: Ctx, id: string, run: () => Promise<T>): Promise<T> {
  if (!DIGIT_ID.test(id)) throw notFound();
  try {
    return await run();
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && (await remoteActorUriOf(c.env, id))) throw forbidden(NOT_ALLOWED);
    throw err;
  }
}

/** Approves a pending registration (API and web page): its existing tokens and sign-in start working. */
export async function approveRegistration(c: Ctx, id: string): Promise<AdminAccountEntity> {
  const view = await decide(c, id, async () => unwrap(await directoryStub(c.env).approveRegistration(id)));
  return serializeAdminAccount(view, c, instanceSettings(c.env).languages[0] ?? "en");
}

/** Rejects a pending registration: the account is deleted, its username and e-mail are free again. */
export async function rejectRegistration(c: Ctx, id: string): Promise<void> {
  const { username } = await decide(c, id, async () => unwrap(await directoryStub(c.env).rejectRegistration(id)));
  forgetLocalUsername(username);
}

async function approveAccount(c: Ctx): Promise<Response> {
  await requireStaff(c, "admin:write:accounts");
  return json(await approveRegistration(c, c.route.id));
}

async function rejectAccount(c: Ctx): Promise<Response> {
  await requireStaff(c, "admin:write:accounts");
  await rejectRegistration(c, c.route.id);
  return json({});
}

// ----- reports -----

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
    window: readPage(p, PAGE_DEFAULT, PAGE_MAX),
  });
  const entities = await adminReports(c, reports);
  return json(entities, { headers: linkHeaders(linkHeader(c.url, entities, (r) => r.id)) });
}

async function showReport(c: Ctx): Promise<Response> {
  await requireStaff(c, "admin:read:reports");
  const report = DIGIT_ID.test(c.route.id) ? await directoryStub(c.env).moderationReport(c.route.id) : null;
  const [entity] = report ? await adminReports(c, [report]) : [];
  if (!entity) throw notFound();
  return json(entity);
}

/** Resolves a report as the given moderator (API and web page). */
export async function resolveReportAs(c: Ctx, id: string, moderatorId: string): Promise<AdminReportEntity> {
  const report = DIGIT_ID.test(id) ? await directoryStub(c.env).resolveReport(id, moderatorId) : null;
  const [entity] = report ? await adminReports(c, [report]) : [];
  if (!entity) throw notFound();
  return entity;
}

async function resolveReport(c: Ctx): Promise<Response> {
  const viewer = await requireStaff(c, "admin:write:reports");
  return json(await resolveReportAs(c, c.route.id, viewer.account.id));
}

/**
 * Admin::Report entities. Reported accounts are local (Flags name our accounts), as are the
 * moderators who resolve; the reporter is remote when the report came with a Flag. A report
 * whose reported account no longer exists is left out (Mastodon deletes it with the account).
 */
export async function adminReports(c: Ctx, reports: ModerationReport[]): Promise<AdminReportEntity[]> {
  const accounts = new Map<string, Promise<AdminAccountEntity | null>>();
  const once = (key: string, load: () => Promise<AdminAccountEntity | null>) => {
    if (!accounts.has(key)) accounts.set(key, load());
    return accounts.get(key)!;
  };
  const local = (id: string) => once(id, () => localAdminAccount(c, id));
  const reporter = (r: ModerationReport) =>
    r.reporterUri ? once(r.reporterId, () => remoteReporter(c, r)) : local(r.reporterId);
  const built = await Promise.all(
    reports.map(async (r) => {
      const [account, targetAccount, actionTakenBy, statuses] = await Promise.all([
        reporter(r),
        local(r.targetAccountId),
        r.actionTakenByAccountId ? local(r.actionTakenByAccountId) : Promise.resolve(null),
        reportedStatuses(c, r),
      ]);
      if (!account || !targetAccount) return null;
      return serializeAdminReport(r, { account, targetAccount, actionTakenBy, statuses });
    }),
  );
  return built.filter((r): r is AdminReportEntity => r !== null);
}

/** The reported statuses as their author sees them (moderators see every visibility). */
async function reportedStatuses(c: Ctx, r: ModerationReport): Promise<Record<string, unknown>[]> {
  if (r.statusIds.length === 0) return [];
  const records = await accountStub(c.env, r.targetAccountId).statusesFor(r.statusIds, r.targetAccountId);
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
  const placeholder: AccountSnapshot = {
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
  return serializeRemoteAdminAccount(placeholder, c);
}
