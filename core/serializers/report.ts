import type { AccountSnapshot, ReportCategory } from "../../schemas/records";
import { serializeAccount, type Origin } from "./account";

/** A report as its reporter sees it (https://docs.joinmastodon.org/entities/Report/). */
export function serializeReport(
  r: { id: string; createdAt: string; category: ReportCategory; comment: string; forwarded: boolean; statusIds: string[]; ruleIds: string[] },
  target: AccountSnapshot,
  o: Origin,
) {
  return {
    id: r.id,
    action_taken: false,
    action_taken_at: null,
    category: r.category,
    comment: r.comment,
    forwarded: r.forwarded,
    created_at: r.createdAt,
    status_ids: r.statusIds,
    rule_ids: r.ruleIds,
    collection_ids: [] as string[],
    target_account: serializeAccount(target, o),
  };
}
