import type { AccountSnapshot, StatusRecord, ViewerFlags, Visibility } from "./records";
import type { Page } from "./paging";

// Shapes objects pass to each other over RPC (an author's object and its readers, interactions,
// fan-out pages), kept here so that neither side imports the other's modules for them.

/** Payload of `status.deleted`. The optional fields let the delete reach every place the status went. */
export interface StatusDeleted {
  id: string;
  conversation_id: string;
  reblog_of_id: string | null;
  author_id: string;
  visibility?: Visibility;
  tags?: string[];
  mention_ids?: string[];
  booster_ids?: string[];
}

/** What a fan-out carries to each recipient (remote authors' fan-out too: remote-statuses.ts). */
export type FanoutOp<Deleted extends StatusDeleted = StatusDeleted> =
  | { kind: "create"; status: StatusRecord; participants?: AccountSnapshot[] }
  /** `quiet`: only the preview card changed (arrived late): copies are refreshed, nobody is notified or streamed to. */
  | { kind: "update"; status: StatusRecord; quiet?: boolean }
  | { kind: "delete"; deleted: Deleted };

export interface FanoutPage<O extends FanoutOp = FanoutOp> {
  op: O;
  /** Last follower id delivered by the previous page; null on the first page. */
  after: string | null;
  /** Recipients besides followers (mentioned accounts, boosters: remote ones are left out), served with the first page. */
  extra: string[];
}

export type Interaction =
  | { kind: "favourite" | "unfavourite" | "bookmark" | "unbookmark" | "unreblog" | "check"; statusId: string }
  | { kind: "reblog"; statusId: string; reblogId: string; visibility?: Visibility }
  | { kind: "vote"; statusId: string; choices: number[] }
  | { kind: "reply" | "unreply"; statusId: string; replyId: string };

export interface InteractionOutcome {
  /** The status with live counts after the change. */
  status: StatusRecord;
  /** Set when the id was a boost: the interaction belongs to the boosted status. */
  redirect: { id: string; accountId: string } | null;
  /** For a boost: the boost's id (an earlier boost's if there was one). */
  reblogId: string | null;
}

export type WatchedChange = { kind: "update"; status: StatusRecord; pollReset: boolean } | { kind: "delete"; statusId: string };

/**
 * The social graph of one account, on both sides of each edge: what it does (follow, block,
 * mute...) and what others do to it (receiveFollow, receiveBlock...). The acting object calls
 * the other side first (idempotent), then records its own half, so a retry after any failure
 * converges. Counts on the account row are recomputed from the tables, never incremented.
 */
export type FollowState = "accepted" | "requested";

export interface ViewedStatus {
  status: StatusRecord;
  flags: Record<string, ViewerFlags>;
}

export interface AccountStatusesQuery {
  page: Page;
  pinned: boolean;
  exclude_replies: boolean;
  exclude_reblogs: boolean;
  only_media: boolean;
  tagged: string | null;
}
