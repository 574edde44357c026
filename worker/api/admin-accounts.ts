import type { Router } from "../router";
import type { Ctx } from "../context";
import type { Params } from "../http/body";
import { ApiError, badRequest, forbidden, notFound, unwrap } from "../../lib/result";
import { json } from "../http/respond";
import { linkHeader, linkHeaders, readPage } from "../http/pagination";
import type { Page } from "../../schemas/paging";
import { accountStub, directoryStub } from "../../core/stubs";
import { forgetLocalUsername } from "../directory-cache";
import { remoteActorUriOf } from "../../objects/federation/account-owners";
import type { AdminAccountEntity } from "../../core/serializers/admin";
import type { ModerationChange, Role } from "../../schemas/records";
import type { AccountFilter, AccountStatus } from "../../objects/directory/moderation";
import {
  adminAccountOf,
  anyAdminAccount,
  DIGIT_ID,
  flag,
  localAdminAccounts,
  NOT_ALLOWED,
  outranks,
  PAGE_DEFAULT,
  PAGE_MAX,
  requireStaff,
  text,
} from "./admin";

/**
 * Mastodon's admin API for accounts: list (v1 and v2 filters), show, moderation actions
 * (sensitive, disable, silence, suspend, with a warning text and a report to resolve) and their
 * reversal, and the decision on registrations. Only local accounts can be acted on: the
 * directory knows no remote account, so their moderation is refused (403) and they are not listed.
 */
export function registerAdminAccounts(router: Router): void {
  router.get("/api/v1/admin/accounts", listAccountsV1);
  router.get("/api/v2/admin/accounts", listAccountsV2);
  router.get("/api/v1/admin/accounts/:id", showAccount);
  router.post("/api/v1/admin/accounts/:id/action", accountAction);
  router.post("/api/v1/admin/accounts/:id/approve", approveAccount);
  router.post("/api/v1/admin/accounts/:id/reject", rejectAccount);
  for (const which of Object.keys(REVERSALS)) router.post(`/api/v1/admin/accounts/:id/${which}`, (c) => reverseAction(c, which));
  router.delete("/api/v1/admin/accounts/:id", deleteAccount);
}

// ----- listing -----

const STATUSES: readonly AccountStatus[] = ["active", "pending", "disabled", "silenced", "suspended", "sensitized"];
/** Mastodon's role ids for our fixed roles (core/serializers/account.ts). */
const ROLE_IDS: Record<string, Role> = { "-99": "user", "1": "moderator", "2": "admin", "3": "owner" };

/** Filters no local account can match: we record no sign-in IPs or invites, and local accounts have no domain. */
function matchesNothing(p: Params): boolean {
  return text(p.by_domain) !== undefined || text(p.ip) !== undefined || text(p.invited_by) !== undefined;
}

/** v1: local, active accounts unless asked otherwise; the last status flag given wins (Mastodon). */
function v1Filter(p: Params, window: Page): AccountFilter {
  let status: AccountStatus = "active";
  for (const s of ["active", "pending", "disabled", "silenced", "suspended", "sensitized"] as const) if (flag(p[s])) status = s;
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

/** v2: no defaults; unknown origins, statuses and permissions are 400s, as in Mastodon. */
function v2Filter(p: Params, window: Page): AccountFilter {
  const origin = text(p.origin);
  if (origin !== undefined && origin !== "local" && origin !== "remote") throw badRequest(`Unknown origin: ${origin}`);
  const status = text(p.status);
  if (status !== undefined && !STATUSES.includes(status as AccountStatus)) throw badRequest(`Unknown status: ${status}`);
  const permissions = text(p.permissions);
  if (permissions !== undefined && permissions !== "staff") throw badRequest(`Unknown permissions: ${permissions}`);
  const roleIds = p.role_ids === undefined ? undefined : [p.role_ids].flat().filter((v): v is string => typeof v === "string");
  return {
    origin: origin as AccountFilter["origin"],
    status: status as AccountStatus | undefined,
    staff: permissions === "staff",
    roles: roleIds && roleIds.length ? roleIds.flatMap((id) => (ROLE_IDS[id] ? [ROLE_IDS[id]] : [])) : undefined,
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

async function showAccount(c: Ctx): Promise<Response> {
  await requireStaff(c, "admin:read:accounts");
  return json(await anyAdminAccount(c, c.route.id));
}

// ----- moderation actions -----

export type ActionType = "none" | "sensitive" | "disable" | "silence" | "suspend";
const ACTIONS: Record<ActionType, ModerationChange> = {
  none: {},
  sensitive: { sensitized: true },
  disable: { disabled: true },
  silence: { silenced: true },
  suspend: { suspended: true },
};
const REVERSALS: Record<string, ModerationChange> = {
  enable: { disabled: false },
  unsilence: { silenced: false },
  unsuspend: { suspended: false },
  unsensitive: { sensitized: false },
};

export interface Moderator {
  id: string;
  role: Role;
}

export interface ActionInput {
  type: ActionType;
  reportId?: string;
  text?: string;
}

/**
 * The local account a moderator may act on: unknown ids are 404s; remote accounts (which we
 * cannot moderate) and accounts whose role is not below the moderator's are 403s.
 */
async function actionTarget(c: Ctx, id: string, actor: Role | null): Promise<void> {
  if (!DIGIT_ID.test(id)) throw notFound();
  const entry = await directoryStub(c.env).moderationEntry(id);
  if (!entry) throw (await remoteActorUriOf(c.env, id)) ? forbidden(NOT_ALLOWED) : notFound();
  if (actor && !outranks(actor, entry.role)) throw forbidden(NOT_ALLOWED);
}

/**
 * Runs a moderation action as Mastodon's Admin::AccountAction: the cited report must exist; any
 * action other than `none` also resolves every open report about the account, `none` only the
 * cited one. The warning text is kept with the action. Used by the API and the /admin page.
 */
export async function takeAction(c: Ctx, moderator: Moderator, id: string, input: ActionInput): Promise<void> {
  await actionTarget(c, id, moderator.role);
  const directory = directoryStub(c.env);
  if (input.reportId !== undefined && !(DIGIT_ID.test(input.reportId) && (await directory.moderationReport(input.reportId)))) throw notFound();
  unwrap(
    await directory.moderateAccount(id, ACTIONS[input.type], {
      action: input.type,
      text: input.text ?? "",
      reportId: input.reportId ?? null,
      byAccountId: moderator.id,
    }),
  );
}

async function accountAction(c: Ctx): Promise<Response> {
  const moderator = await requireStaff(c, "admin:write:accounts");
  const p = await c.params();
  const type = typeof p.type === "string" ? p.type : "";
  if (!(type in ACTIONS)) throw new ApiError(422, "Validation failed: Type is not included in the list");
  // Warning presets are not kept here: every id is unknown, as Mastodon answers for one.
  if (text(p.warning_preset_id) !== undefined) throw notFound();
  // There is no e-mail delivery: `send_email_notification` cannot send anything.
  await takeAction(c, moderator.account, c.route.id, {
    type: type as ActionType,
    reportId: p.report_id === undefined || p.report_id === "" ? undefined : String(p.report_id),
    text: typeof p.text === "string" ? p.text : undefined,
  });
  return json({});
}

/** Undoes an action (enable, unsilence, unsuspend, unsensitive); unsuspending needs a suspension. */
export async function reverseModeration(c: Ctx, id: string, which: string): Promise<AdminAccountEntity> {
  const change = REVERSALS[which];
  if (!change) throw notFound();
  await actionTarget(c, id, null);
  const directory = directoryStub(c.env);
  if (which === "unsuspend" && !(await directory.moderationEntry(id))?.suspended) throw forbidden(NOT_ALLOWED);
  return adminAccountOf(c, unwrap(await directory.moderateAccount(id, change, null)));
}

async function reverseAction(c: Ctx, which: string): Promise<Response> {
  await requireStaff(c, "admin:write:accounts");
  return json(await reverseModeration(c, c.route.id, which));
}

/**
 * Deletes a suspended account's data for good (Mastodon allows it only once suspended, to admins
 * and owners who outrank the account): the account's own deletion (objects/account/deletion.ts)
 * runs, as when its owner deletes it. Answers the Admin::Account as it was.
 */
async function deleteAccount(c: Ctx): Promise<Response> {
  const moderator = await requireStaff(c, "admin:write:accounts");
  const id = c.route.id;
  if (moderator.account.role === "moderator") throw forbidden(NOT_ALLOWED);
  await actionTarget(c, id, moderator.account.role);
  if (!(await directoryStub(c.env).moderationEntry(id))?.suspended) throw forbidden(NOT_ALLOWED);
  const before = await anyAdminAccount(c, id);
  const { username } = unwrap(await accountStub(c.env, id).deleteSelf());
  forgetLocalUsername(username);
  return json(before);
}

// ----- registrations -----

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
  return adminAccountOf(c, view);
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
