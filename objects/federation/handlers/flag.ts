import { accountStub, directoryStub } from "../../../core/stubs";
import { domainPolicy } from "../../../core/domain-policy";
import { toSnapshot } from "../../../schemas/records";
import { locateStatusOwners } from "../../status-index/locate";
import { asArray, idOf, localAccountByUri, localStatusIdOf, originOf, senderOf } from "./common";
import { inboxHandlers } from "./registry";

/** Longest report comment kept (Mastodon's limit). */
const COMMENT_MAX = 1000;

/**
 * Flag: a report from another server (usually its instance actor) about local accounts and
 * statuses. Stored in the directory's reports table, one report per reported local account,
 * with the reported statuses that are that account's. Idempotent by activity id.
 */
inboxHandlers.register("Flag", async (ctx) => {
  const o = originOf(ctx);
  const uris = asArray(ctx.activity.object).map(idOf).filter((u): u is string => u !== null);
  if (uris.length === 0) return;
  // Reports from a domain whose reports the moderators reject are dropped (Mastodon's reject_reports).
  if ((await domainPolicy(ctx.env, ctx.actor)).rejectReports) return;
  const statusIds = uris.map((u) => localStatusIdOf(o, u)).filter((id): id is string => id !== null);
  const owners = await locateStatusOwners(ctx.env, statusIds);
  const accounts = new Set<string>();
  for (const uri of uris) {
    const account = await localAccountByUri(ctx.env, o, uri);
    if (account) accounts.add(account.id);
  }
  // A report naming statuses only is about their author (Mastodon takes the first one's).
  for (const owner of owners.values()) if (accounts.size === 0 && !owner.actorUri) accounts.add(owner.accountId);
  if (accounts.size === 0) return;
  const reporter = await senderOf(ctx);
  if (!reporter) return;
  const comment = typeof ctx.activity.content === "string" ? ctx.activity.content.slice(0, COMMENT_MAX) : "";
  for (const accountId of accounts) {
    const target = await accountStub(ctx.env, accountId).get();
    const parties = target ? { reporter: reporter.account, target: toSnapshot(target) } : undefined;
    await directoryStub(ctx.env).addReport({
      activityId: ctx.activity.id,
      reporterId: reporter.id,
      reporterUri: reporter.uri,
      targetAccountId: accountId,
      statusIds: statusIds.filter((id) => owners.get(id)?.accountId === accountId && !owners.get(id)?.actorUri),
      comment,
    }, parties);
  }
});
