import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError } from "../../lib/result";
import { redirect } from "../http/respond";
import { directoryStub } from "../../core/stubs";
import { instanceSettings } from "../../core/instance-settings";
import { errorPage, pageLang, pageResponse } from "../../web/layout";
import { renderAdmin, type OpenReportRow, type PendingAccountRow } from "../../web/admin";
import { CSRF_FIELD, csrfMatches, currentSession, type WebSession } from "../../web/session";
import { adminReports, approveRegistration, isStaff, localAdminAccounts, rejectRegistration, resolveReportAs } from "./admin";
import type { AdminAccountEntity } from "../../core/serializers/admin";

/**
 * The server-rendered moderation page: a signed-in moderator, admin or owner approves or rejects
 * registrations and resolves reports. Same operations as the admin API (admin.ts).
 */
export function registerAdminPage(router: Router): void {
  router.get("/admin", showAdmin);
  router.post("/admin/accounts/:id/approve", (c) => act(c, (id) => approveRegistration(c, id)));
  router.post("/admin/accounts/:id/reject", (c) => act(c, (id) => rejectRegistration(c, id)));
  router.post("/admin/reports/:id/resolve", (c) => act(c, (id, s) => resolveReportAs(c, id, s.accountId)));
}

/** How many pending registrations and open reports the page lists. */
const PAGE_ITEMS = 100;

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
  const lang = pageLang((await c.params()).lang);
  const session = await staffSession(c, lang);
  if (session instanceof Response) return session;
  const directory = directoryStub(c.env);
  const [entries, reports] = await Promise.all([
    directory.moderationAccounts({ origin: "local", status: "pending", window: { limit: PAGE_ITEMS } }),
    directory.moderationReports({ resolved: false, window: { limit: PAGE_ITEMS } }),
  ]);
  const pending: PendingAccountRow[] = (await localAdminAccounts(c, entries)).map((a) => ({
    id: a.id,
    username: a.username,
    email: a.email ?? "",
    reason: a.invite_request,
    createdAt: a.created_at,
  }));
  const open: OpenReportRow[] = (await adminReports(c, reports)).map((r) => ({
    id: r.id,
    target: acct(r.target_account),
    reporter: acct(r.account),
    comment: r.comment,
    createdAt: r.created_at,
    statusUrls: r.statuses.map((s) => String(s.url ?? s.uri)),
  }));
  const html = renderAdmin({ lang, title: instanceSettings(c.env).title, username: session.account.username, csrf: session.csrf, pending, reports: open });
  return pageResponse(html);
}

/** A button's form post: staff session, CSRF value, then the operation; back to the page after. */
async function act(c: Ctx, run: (id: string, session: WebSession) => Promise<unknown>): Promise<Response> {
  const p = await c.params();
  const lang = pageLang(p.lang);
  const session = await staffSession(c, lang);
  if (session instanceof Response) return session;
  if (!csrfMatches(session.csrf, p[CSRF_FIELD])) {
    return errorPage(403, "Invalid form", "This form expired or was not sent from this site. Go back, reload the page and try again.", lang);
  }
  try {
    await run(c.route.id, session);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const message = err.status === 404 ? "It no longer exists." : err.status === 403 ? "It was already decided." : err.message;
    return errorPage(err.status, "Could not do that", message, lang);
  }
  return redirect("/admin", 303, { "cache-control": "no-store" });
}
