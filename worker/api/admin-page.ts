import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError } from "../../lib/result";
import { redirect } from "../http/respond";
import { directoryStub } from "../../core/stubs";
import { instanceSettings } from "../../core/instance-settings";
import { errorPage, pageLang, pageResponse } from "../../web/layout";
import { renderAdmin, type AccountRow, type PendingAccountRow, type ReportRow } from "../../web/admin";
import { CSRF_FIELD, csrfMatches, currentSession, type WebSession } from "../../web/session";
import { isStaff, localAdminAccounts, outranks } from "./admin";
import { approveRegistration, rejectRegistration, reverseModeration, takeAction, type ActionType } from "./admin-accounts";
import { adminReports, changeReportAs } from "./admin-reports";
import type { AdminAccountEntity, AdminReportEntity } from "../../core/serializers/admin";
import type { Role } from "../../schemas/records";

/**
 * The server-rendered moderation page: a signed-in moderator, admin or owner decides on
 * registrations, handles reports (assign, resolve, reopen, act on the reported account) and
 * suspends, silences, disables or marks sensitive local accounts, and undoes it. Same operations
 * as the admin API (admin-accounts.ts, admin-reports.ts).
 */
export function registerAdminPage(router: Router): void {
  router.get("/admin", showAdmin);
  router.post("/admin/accounts/:id/approve", (c) => act(c, (id) => approveRegistration(c, id)));
  router.post("/admin/accounts/:id/reject", (c) => act(c, (id) => rejectRegistration(c, id)));
  router.post("/admin/accounts/:id/action", (c) => act(c, (id, s, p) => takeAction(c, s.account, id, actionOf(p))));
  for (const which of ["enable", "unsilence", "unsuspend", "unsensitive"]) {
    router.post(`/admin/accounts/:id/${which}`, (c) => act(c, (id) => reverseModeration(c, id, which)));
  }
  router.post("/admin/reports/:id/assign_to_self", (c) => act(c, (id, s) => changeReportAs(c, id, { op: "assign", accountId: s.accountId })));
  router.post("/admin/reports/:id/unassign", (c) => act(c, (id) => changeReportAs(c, id, { op: "assign", accountId: null })));
  router.post("/admin/reports/:id/resolve", (c) => act(c, (id, s) => changeReportAs(c, id, { op: "resolve", byAccountId: s.accountId })));
  router.post("/admin/reports/:id/reopen", (c) => act(c, (id) => changeReportAs(c, id, { op: "reopen" })));
}

/** How many pending registrations, reports and accounts the page lists. */
const PAGE_ITEMS = 100;
const RESOLVED_ITEMS = 20;
const ACTION_TYPES = new Set(["none", "sensitive", "disable", "silence", "suspend"]);

function actionOf(p: Record<string, unknown>) {
  const type = typeof p.type === "string" && ACTION_TYPES.has(p.type) ? (p.type as ActionType) : "none";
  const reportId = typeof p.report_id === "string" && p.report_id !== "" ? p.report_id : undefined;
  return { type, reportId, text: typeof p.text === "string" ? p.text : undefined };
}

/** The staff session of this browser, or the response to send instead (sign-in, or 403). */
async function staffSession(c: Ctx, lang: string): Promise<WebSession | Response> {
  const session = await currentSession(c.request, c.env);
  if (!session) return redirect("/auth/sign_in", 302, { "cache-control": "no-store" });
  if (!isStaff(session.account.role)) {
    return errorPage(403, "Not allowed", "Only moderators and administrators can open this page.", lang);
  }
  return session;
}

const acct = (a: AdminAccountEntity) => (a.domain ? `${a.username}@${a.domain}` : a.username);

async function showAdmin(c: Ctx): Promise<Response> {
  const params = await c.params();
  const lang = pageLang(params.lang);
  const session = await staffSession(c, lang);
  if (session instanceof Response) return session;
  const query = typeof params.q === "string" ? params.q.trim().slice(0, 100) : "";
  const directory = directoryStub(c.env);
  const [entries, reports, resolvedReports, accountEntries] = await Promise.all([
    directory.moderationAccounts({ origin: "local", status: "pending", window: { limit: PAGE_ITEMS } }),
    directory.moderationReports({ resolved: false, window: { limit: PAGE_ITEMS } }),
    directory.moderationReports({ resolved: true, window: { limit: RESOLVED_ITEMS } }),
    directory.moderationAccounts({ origin: "local", username: query || undefined, window: { limit: PAGE_ITEMS } }),
  ]);
  const pending: PendingAccountRow[] = (await localAdminAccounts(c, entries)).map((a) => ({
    id: a.id,
    username: a.username,
    email: a.email ?? "",
    reason: a.invite_request,
    createdAt: a.created_at,
  }));
  const me = session.account.role;
  const [open, resolved, accounts] = await Promise.all([
    adminReports(c, reports),
    adminReports(c, resolvedReports),
    localAdminAccounts(c, accountEntries.filter((e) => e.approved)),
  ]);
  const html = renderAdmin({
    lang,
    title: instanceSettings(c.env).title,
    username: session.account.username,
    csrf: session.csrf,
    pending,
    reports: open.map((r) => reportRow(r, session)),
    resolved: resolved.map((r) => reportRow(r, session)),
    accounts: accounts.map((a) => accountRow(a, me)),
    query,
  });
  return pageResponse(html);
}

const mayAct = (me: Role, a: AdminAccountEntity) => a.domain === null && outranks(me, (a.role?.name.toLowerCase() || "user") as Role);

function reportRow(r: AdminReportEntity, session: WebSession): ReportRow {
  return {
    id: r.id,
    target: acct(r.target_account),
    targetId: r.target_account.id,
    actionable: mayAct(session.account.role, r.target_account),
    reporter: acct(r.account),
    category: r.category,
    comment: r.comment,
    createdAt: r.created_at,
    statusUrls: r.statuses.map((s) => String(s.url ?? s.uri)),
    assignedTo: r.assigned_account ? acct(r.assigned_account) : null,
    assignedToMe: r.assigned_account?.id === session.accountId,
    resolvedBy: r.action_taken ? (r.action_taken_by_account ? acct(r.action_taken_by_account) : "") : null,
  };
}

function accountRow(a: AdminAccountEntity, me: Role): AccountRow {
  return {
    id: a.id,
    username: a.username,
    email: a.email ?? "",
    role: a.role?.name || "User",
    suspended: a.suspended,
    silenced: a.silenced,
    disabled: a.disabled === true,
    sensitized: a.sensitized,
    actionable: mayAct(me, a),
  };
}

/** A button's form post: staff session, CSRF value, then the operation; back to the page after. */
async function act(c: Ctx, run: (id: string, session: WebSession, p: Record<string, unknown>) => Promise<unknown>): Promise<Response> {
  const p = await c.params();
  const lang = pageLang(p.lang);
  const session = await staffSession(c, lang);
  if (session instanceof Response) return session;
  if (!csrfMatches(session.csrf, p[CSRF_FIELD])) {
    return errorPage(403, "Invalid form", "This form expired or was not sent from this site. Go back, reload the page and try again.", lang);
  }
  try {
    await run(c.route.id, session, p);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const message = err.status === 404 ? "It no longer exists." : err.status === 403 ? "That is not allowed, or it was already decided." : err.message;
    return errorPage(err.status, "Could not do that", message, lang);
  }
  return redirect("/admin", 303, { "cache-control": "no-store" });
}
