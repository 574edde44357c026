import type { StatusRecord, ViewerFlags } from "../../schemas/records";

/**
 * Events for the streams of the account itself (`user`, `user:notification`, `list`,
 * `direct`). Notifications and conversations are named by id and read back when the event is
 * sent, after the surrounding transaction committed, so a rolled-back change streams nothing.
 */
export type UserEvent =
  | { event: "update" | "status.update"; status: StatusRecord; list?: string; committed?: Admitted }
  | { event: "delete"; id: string }
  | { event: "notification"; id: string }
  | { event: "conversation"; conversationId: string }
  | { event: "filters_changed" }
  | { event: "notifications_merged" };

/**
 * Set by a publisher that has decided to put the status into home (so it need not be looked
 * up there): `visible: true` when the home rules also settled that the account may see it
 * (render.ts `viewAdmitted`), null when visibility must still be checked. `flags`: the
 * account's flags for the status when the publisher knows them without a query.
 */
export type Admitted = { visible: true; hasFilters: boolean; flags: Record<string, ViewerFlags> | null } | { visible: null };

/** A status event pushed by a public or hashtag timeline to accounts listening to `keys`. */
export type PublicEvent =
  | { event: "update" | "status.update"; status: StatusRecord; keys: string[] }
  | { event: "delete"; id: string; keys: string[] };

/** Whoever sends an account's own events: its AccountStreams, once constructed. */
export interface UserPublisher {
  publishUser(event: UserEvent, now?: boolean): void;
}

const byStorage = new WeakMap<SqlStorage, UserPublisher>();

export function registerUserPublisher(sql: SqlStorage, publisher: UserPublisher): void {
  byStorage.set(sql, publisher);
}

/**
 * Publishes an event to the account's own streams. `target` is the account object or its
 * `sql` (feature modules that only hold `sql` can call it). Safe to call inside a
 * transaction: the event is sent once the current synchronous work has finished.
 */
export function publishToUser(target: SqlStorage | { sql: SqlStorage }, event: UserEvent): void {
  const sql = "exec" in target ? target : target.sql;
  byStorage.get(sql)?.publishUser(event);
}

/**
 * Sends an `update` for a status the caller has decided to put into home, at once: called
 * before the delivery's writes, the event does not wait for them to be stored (outgoing
 * messages are held until earlier writes are durable). A delivery that then fails is retried
 * by the fan-out, so the event may come twice, never not at all.
 */
export function publishAdmitted(sql: SqlStorage, status: StatusRecord, admitted: Admitted): void {
  byStorage.get(sql)?.publishUser({ event: "update", status, committed: admitted }, true);
}

