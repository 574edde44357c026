import type { AccountSnapshot, ModerationReport, ModerationView } from "../../schemas/records";

import { serializeAccount, serializeRole, type Origin } from "./account";

/**
 * Admin::Account and Admin::Report (https://docs.joinmastodon.org/entities/Admin_Account/,
 * .../Admin_Report/). We record no sign-in IPs and have no e-mail confirmation step, so those
 * fields carry Mastodon's values for an account without them.
 */
export function serializeAdminAccount(v: ModerationView, o: Origin, defaultLocale: string) {
  const a = v.account;
  return {
    id: a.id,
    username: a.username,
    domain: null,
    created_at: a.created_at,
    email: a.email,
    ip: null,
    ips: [] as unknown[],
    role: serializeRole(a.role),
    // No e-mail confirmation step exists: every account is confirmed on creation.
    confirmed: true,
    suspended: v.moderation.suspendedAt !== null,
    silenced: v.moderation.silencedAt !== null,
    sensitized: v.moderation.sensitizedAt !== null,
    disabled: v.moderation.disabled,
    approved: a.approved,
    // The UI locale the account registered with, else the instance's (what Mastodon then uses).
    locale: a.language ?? defaultLocale,
    invite_request: v.reason,
    account: serializeAccount(a, o),
  };
}

export type AdminAccountEntity = ReturnType<typeof serializeAdminAccount> | ReturnType<typeof serializeRemoteAdminAccount>;

/** A remote account has no user: Mastodon sends null for every user field. */
export function serializeRemoteAdminAccount(a: AccountSnapshot, o: Origin) {
  return {
    id: a.id,
    username: a.username,
    domain: a.domain,
    created_at: a.created_at,
    email: null,
    ip: null,
    ips: [] as unknown[],
    role: null,
    confirmed: null,
    suspended: false,
    silenced: false,
    sensitized: false,
    disabled: null,
    approved: null,
    locale: null,
    invite_request: null,
    account: serializeAccount(a, o),
  };
}

export interface AdminReportParts {
  account: AdminAccountEntity;
  targetAccount: AdminAccountEntity;
  assignedAccount: AdminAccountEntity | null;
  actionTakenBy: AdminAccountEntity | null;
  statuses: Record<string, unknown>[];
  /** The instance's rules, of which the report's cited ones are shown. */
  rules: readonly { id: string; text: string; hint: string }[];
}

/** A Flag names no category or rules: `other` and `[]`, Mastodon's values for such a report. */
export function serializeAdminReport(r: ModerationReport, parts: AdminReportParts) {
  const cited = new Set(r.ruleIds ?? []);
  return {
    id: r.id,
    action_taken: r.actionTakenAt !== null,
    action_taken_at: r.actionTakenAt,
    category: r.category ?? "other",
    comment: r.comment,
    forwarded: r.forwarded,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    account: parts.account,
    target_account: parts.targetAccount,
    assigned_account: parts.assignedAccount,
    action_taken_by_account: parts.actionTakenBy,
    statuses: parts.statuses,
    rules: parts.rules.filter((rule) => cited.has(rule.id)).map((rule) => ({ id: rule.id, text: rule.text, hint: rule.hint })),
  };
}

export type AdminReportEntity = ReturnType<typeof serializeAdminReport>;
