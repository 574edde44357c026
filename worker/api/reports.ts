import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError } from "../../lib/result";
import { requireUser } from "../http/auth";
import { json } from "../http/respond";
import { accountStub, directoryStub, remoteActorStub } from "../../core/stubs";
import { instanceSettings } from "../../core/instance-settings";
import { flagActivity } from "../../core/activitypub/activities";
import { serializeReport } from "../../core/serializers/report";
import { boolish, stringList } from "../../schemas/coerce";
import { toSnapshot, type AccountSnapshot, type ReportCategory } from "../../schemas/records";
import { remoteActorById } from "../../objects/federation/remote-actors";
import { deliverToActors, INSTANCE_ACTOR_SIGNER } from "../../objects/federation/delivery-object";
import type { RemoteActor } from "../../objects/federation/actor-document";

/**
 * `POST /api/v1/reports`: a report reaches the moderators' list (the directory's `reports`);
 * about a remote account and with `forward`, it also goes to that account's server as a `Flag`
 * from the instance actor, as Mastodon sends it.
 */
export function registerReports(router: Router): void {
  router.post("/api/v1/reports", createReport);
}

const CATEGORIES = new Set<ReportCategory>(["spam", "legal", "violation", "other"]);
const COMMENT_MAX = 1000;
const MAX_STATUSES = 100;
const DIGITS = /^\d{1,20}$/;
const invalid = (message: string) => new ApiError(422, `Validation failed: ${message}`);

async function createReport(c: Ctx): Promise<Response> {
  const { viewer } = await requireUser(c, "write:reports");
  const p = await c.params();
  const accountId = typeof p.account_id === "number" ? String(p.account_id) : p.account_id;
  if (typeof accountId !== "string" || !DIGITS.test(accountId)) throw invalid("Account can't be blank");
  if (accountId === viewer.account.id) throw invalid("You cannot report yourself");
  const comment = p.comment === undefined || p.comment === null ? "" : String(p.comment);
  if ([...comment].length > COMMENT_MAX) throw invalid(`Comment is too long (maximum is ${COMMENT_MAX} characters)`);
  const statusIds = idList(p.status_ids, "Status ids").slice(0, MAX_STATUSES);
  const ruleIds = idList(p.rule_ids, "Rule ids");
  const known = new Set(instanceSettings(c.env).rules.map((r) => r.id));
  if (ruleIds.some((id) => !known.has(id))) throw invalid("Rule ids contain a rule that does not exist");
  const category = reportCategory(p.category, ruleIds);
  const forward = boolish.safeParse(p.forward ?? false);
  const remote = await remoteActorById(c.env, accountId);
  const target: AccountSnapshot | null = remote ? remote.account : await localTarget(c.env, accountId);
  if (!target) throw new ApiError(404, "Record not found");
  const forwarded = !!remote && forward.success && forward.data;
  const id = await directoryStub(c.env).addReport({
    activityId: null,
    reporterId: viewer.account.id,
    reporterUri: null,
    targetAccountId: accountId,
    statusIds,
    comment,
    category,
    ruleIds,
    forwarded,
    targetDomain: remote ? target.domain : null,
  }, { reporter: toSnapshot(viewer.account), target });
  if (forwarded) await forwardReport(c, id, remote!, statusIds, comment);
  return json(serializeReport({ id, createdAt: new Date().toISOString(), category, comment, forwarded, statusIds, ruleIds }, target, c));
}

function idList(value: unknown, what: string): string[] {
  if (value === undefined || value === null || value === "") return [];
  const parsed = stringList.safeParse(typeof value === "number" ? String(value) : value);
  if (!parsed.success || parsed.data.some((id) => !DIGITS.test(id))) throw invalid(`${what} must be a list of ids`);
  return [...new Set(parsed.data)];
}

/** Mastodon: `violation` whenever rules are cited, else the category given, else `other`. */
function reportCategory(value: unknown, ruleIds: string[]): ReportCategory {
  if (ruleIds.length) return "violation";
  if (value === undefined || value === null || value === "") return "other";
  if (typeof value !== "string" || !CATEGORIES.has(value as ReportCategory)) throw invalid("Category is not included in the list");
  return value as ReportCategory;
}

async function localTarget(env: Env, id: string): Promise<AccountSnapshot | null> {
  const record = await accountStub(env, id).get();
  return record && record.approved ? toSnapshot(record) : null;
}

/** The Flag names the account and the reported statuses we hold of it, by their own URIs. */
async function forwardReport(c: Ctx, reportId: string, remote: RemoteActor, statusIds: string[], comment: string): Promise<void> {
  const statuses = statusIds.length ? await remoteActorStub(c.env, remote.uri).statusesById(statusIds) : [];
  const activity = flagActivity(c, { id: reportId, targetUri: remote.uri, statusUris: statuses.flatMap((s) => (s.uri ? [s.uri] : [])), comment });
  await deliverToActors(c.env, { activity, signerAccountId: INSTANCE_ACTOR_SIGNER, recipients: [{ inbox: remote.inbox, sharedInbox: remote.sharedInbox }] });
}
