import type { AccountRecord, AccountSnapshot, StatusRecord } from "../../schemas/records";
import type { Interaction, InteractionOutcome, WatchedChange } from "../../schemas/calls";
import type { Result } from "../../lib/result";
import type { AccountStreams } from "../streams/account-streams";
import type { FeedFactsMemo } from "./feed-facts";

/**
 * What a feature module of the account object may use of it: storage, the account record, the
 * job outbox and the streams. Modules take this, never the object class, so they depend on a
 * small surface instead of each other's internals (AccountState implements it).
 */
export interface AccountHost extends OwnPeerCalls {
  readonly sql: SqlStorage;
  readonly env: Env;
  /** The object's storage; its transactionSync forgets the memos when it rolls back. */
  readonly storage: DurableObjectStorage;
  /** What the home rules know about the accounts of statuses delivered here (feed-facts.ts). */
  readonly feedFacts: FeedFactsMemo;
  readonly streams: AccountStreams;
  /** The public record (frozen, memoised), or null if no account lives here. */
  record(): Readonly<AccountRecord> | null;
  /** This object's account id (throws if the object holds no account). */
  accountId(): string;
  /** Queues a durable side effect (jobs.ts); call inside the transaction of the change. */
  enqueue(kind: string, payload: unknown, at?: number): void;
  /** Makes sure the alarm will run queued jobs; call after a transaction that enqueued some. */
  wake(): Promise<void>;
}

/**
 * Calls another account's object makes on this one (peer-calls.ts). Code that may find the
 * other account is this one makes them on the host, without a round trip.
 */
export interface OwnPeerCalls {
  statusesFor(ids: string[], viewerId: string | null): Promise<StatusRecord[]>;
  receiveInteraction(interaction: Interaction, actor: AccountSnapshot): Promise<Result<InteractionOutcome>>;
  receiveWatchedChange(change: WatchedChange): Promise<void>;
  /** A status quoting one of this account's statuses (quotes.ts). */
  receiveQuote(quoting: StatusRecord): Promise<void>;
  receiveUnquote(quotedId: string, quotingId: string): Promise<void>;
}
