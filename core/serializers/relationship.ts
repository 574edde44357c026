import type { RelationshipRecord } from "../../schemas/records";

/** Relationship entity (https://docs.joinmastodon.org/entities/Relationship/), in Mastodon's field order. */
export function serializeRelationship(r: RelationshipRecord) {
  return {
    id: r.id,
    following: r.following,
    showing_reblogs: r.showing_reblogs,
    notifying: r.notifying,
    languages: r.languages,
    followed_by: r.followed_by,
    blocking: r.blocking,
    blocked_by: r.blocked_by,
    muting: r.muting,
    muting_notifications: r.muting_notifications,
    muting_expires_at: r.muting_expires_at,
    requested: r.requested,
    requested_by: r.requested_by,
    domain_blocking: r.domain_blocking,
    endorsed: r.endorsed,
    note: r.note,
  };
}
