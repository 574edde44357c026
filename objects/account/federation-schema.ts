/**
 * Account-object tables of outbound federation (objects/account/federation-out.ts):
 * - `remote_followers`: for each remote account that asked to follow this one, the Follow it
 *   sent (Accept/Reject embed it) and where to deliver. A remote follower is one listed here;
 *   the row outlives an Undo (the `followers` row is the truth about the follow itself).
 * - `sent_activities`: activities this account sent that may be undone later (Follow, Block,
 *   Like), keyed by kind and target, with the seed of their id.
 * - `federated_statuses`: the statuses (and boosts) that went to remote inboxes, as sent, and
 *   those inboxes: a Delete or Update reaches every server the Create reached.
 */
export function federationOutSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE remote_followers (
    account_id TEXT PRIMARY KEY,
    actor_uri TEXT NOT NULL,
    follow_id TEXT NOT NULL,
    seed TEXT NOT NULL,
    inbox TEXT NOT NULL,
    shared_inbox TEXT
  )`);
  sql.exec(`CREATE TABLE sent_activities (
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    seed TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (kind, target)
  )`);
  sql.exec(`CREATE TABLE federated_statuses (
    status_id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    inboxes TEXT NOT NULL
  )`);
}
