import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, unwrap } from "../../lib/result";
import { redirect } from "../http/respond";
import { boolParam, commentParam, DIGIT_ID, enumParam, stringParam } from "../http/admin-params";
import { roleAllows } from "../http/staff";
import { directoryStub } from "../../core/stubs";
import { forgetDomainPolicy } from "../../core/domain-policy";
import { instanceSettings } from "../../core/instance-settings";
import { errorPage, pageLang, pageResponse } from "../../web/layout";
import { renderAdminDomains } from "../../web/admin-domains";
import { CSRF_FIELD, csrfMatches, currentSession, type WebSession } from "../../web/session";
import { DOMAIN_BLOCK_SEVERITIES, type DomainBlockRecord } from "../../schemas/admin-blocks";
import type { Params } from "../http/body";

/**
 * The domain blocks section of the admin pages: an admin or owner (Mastodon's manage_federation)
 * lists, adds and removes domain blocks. Same operations as the admin API
 * (admin-domain-blocks.ts).
 */
export function registerAdminDomainsPage(router: Router): void {
  router.get("/admin/domain_blocks", show);
  router.post("/admin/domain_blocks", add);
  router.post("/admin/domain_blocks/:id/delete", remove);
}

const PAGE_ITEMS = 200;

async function adminSession(c: Ctx, lang: string): Promise<WebSession | Response> {
  const session = await currentSession(c.request, c.env);
  if (!session) return redirect("/auth/sign_in", 302, { "cache-control": "no-store" });
  if (!roleAllows(session.account.role, "manage_federation")) {
    return errorPage(403, "Not allowed", "Only administrators can manage domain blocks.", lang);
  }
  return session;
}

async function page(c: Ctx, session: WebSession, lang: string, extra: { error?: string; values?: { domain?: string; severity?: string } } = {}, status = 200) {
  const blocks = unwrap(await directoryStub(c.env).adminDomainBlocks({ op: "list", window: { limit: PAGE_ITEMS } })) as DomainBlockRecord[];
  const html = renderAdminDomains({ lang, title: instanceSettings(c.env).title, username: session.account.username, csrf: session.csrf, blocks, ...extra });
  return pageResponse(html, status);
}

async function show(c: Ctx): Promise<Response> {
  const lang = pageLang((await c.params()).lang);
  const session = await adminSession(c, lang);
  return session instanceof Response ? session : page(c, session, lang);
}

/** The session and a matching CSRF value, or the response to send instead. */
async function formSession(c: Ctx, p: Params, lang: string): Promise<WebSession | Response> {
  const session = await adminSession(c, lang);
  if (session instanceof Response) return session;
  if (!csrfMatches(session.csrf, p[CSRF_FIELD])) {
    return errorPage(403, "Invalid form", "This form expired or was not sent from this site. Go back, reload the page and try again.", lang);
  }
  return session;
}

async function add(c: Ctx): Promise<Response> {
  const p = await c.params();
  const lang = pageLang(p.lang);
  const session = await formSession(c, p, lang);
  if (session instanceof Response) return session;
  const values = { domain: typeof p.domain === "string" ? p.domain : "", severity: typeof p.severity === "string" ? p.severity : "silence" };
  try {
    const input = {
      domain: stringParam(p, "domain", 506),
      severity: enumParam(p, "severity", DOMAIN_BLOCK_SEVERITIES),
      rejectMedia: boolParam(p, "reject_media"),
      rejectReports: boolParam(p, "reject_reports"),
      obfuscate: boolParam(p, "obfuscate"),
      publicComment: commentParam(p, "public_comment"),
      privateComment: commentParam(p, "private_comment"),
    };
    const created = unwrap(await directoryStub(c.env).adminDomainBlocks({ op: "create", input })) as DomainBlockRecord | { conflict: DomainBlockRecord };
    if ("conflict" in created) return page(c, session, lang, { error: `You have already imposed stricter limits on ${created.conflict.domain}.`, values }, 422);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return page(c, session, lang, { error: err.message, values }, err.status);
  }
  forgetDomainPolicy();
  return redirect("/admin/domain_blocks", 303, { "cache-control": "no-store" });
}

async function remove(c: Ctx): Promise<Response> {
  const p = await c.params();
  const lang = pageLang(p.lang);
  const session = await formSession(c, p, lang);
  if (session instanceof Response) return session;
  if (DIGIT_ID.test(c.route.id)) {
    // Removing one already gone is not an error: the page shows the list as it is.
    await directoryStub(c.env).adminDomainBlocks({ op: "delete", id: c.route.id });
    forgetDomainPolicy();
  }
  return redirect("/admin/domain_blocks", 303, { "cache-control": "no-store" });
}
