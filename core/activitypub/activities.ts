import type { AccountRecord, StatusRecord } from "../../schemas/records";
import type { Origin } from "../serializers/account";
import { statusUri } from "../serializers/status";
import { AS_PUBLIC, withContext } from "../../lib/federation/context";
import { actorObject } from "./actor";
import { accountUri, addressing, noteObject, type NoteOptions } from "./note";
import { instanceActorUri } from "./uris";

/**
 * Pure builders of the activities we send. Ids follow Mastodon's shapes (ActivityPub::
 * TagManager and the activity serializers) so that receivers deduplicating by id see one id
 * per action; where an id needs a local row id (a follow, a like...), the caller passes it.
 * Every builder returns a top-level document (with `@context`); embedded activities drop it.
 */
export type Activity = Record<string, unknown> & { id: string; type: string; actor: string };

/** An activity as embedded in another (Accept's Follow, Undo's object): no `@context`. */
export function embedded(doc: Record<string, unknown>): Record<string, unknown> {
  const { "@context": _context, ...rest } = doc;
  return rest;
}

function activity(fields: Activity): Activity {
  return withContext(fields) as unknown as Activity;
}

// ----- statuses -----

export function createActivity(s: StatusRecord, o: Origin, options: NoteOptions = {}): Activity {
  const note = noteObject(s, o, options);
  return activity({
    id: `${note.id}/activity`,
    type: "Create",
    actor: accountUri(s.account, o),
    published: s.created_at,
    to: note.to,
    cc: note.cc,
    object: note,
  });
}

/** An edit: the whole new Note, with an id per edit time (Mastodon: `#updates/<epoch>`). */
export function updateNoteActivity(s: StatusRecord, o: Origin, options: NoteOptions = {}): Activity {
  const note = noteObject(s, o, options);
  const at = s.edited_at ?? s.created_at;
  return activity({
    id: `${note.id}#updates/${Math.floor(Date.parse(at) / 1000)}`,
    type: "Update",
    actor: accountUri(s.account, o),
    published: at,
    to: note.to,
    cc: note.cc,
    object: note,
  });
}

/** A deleted status (or an undone boost's status): a Tombstone with the status's addressing. */
export function deleteNoteActivity(s: StatusRecord, o: Origin): Activity {
  const id = statusUri(o, s);
  const { to, cc } = addressing(s, o);
  return activity({
    id: `${id}#delete`,
    type: "Delete",
    actor: accountUri(s.account, o),
    to,
    cc,
    object: { id, type: "Tombstone", atomUri: id },
  });
}

/** A boost: `object` is the boosted status's URI, never the embedded Note. */
export function announceActivity(boost: StatusRecord, o: Origin): Activity {
  if (!boost.reblog) throw new Error("announceActivity needs a boost");
  const { to, cc } = addressing(boost, o);
  return activity({
    id: `${statusUri(o, boost)}/activity`,
    type: "Announce",
    actor: accountUri(boost.account, o),
    published: boost.created_at,
    to,
    cc,
    object: statusUri(o, boost.reblog),
  });
}

export function undoAnnounceActivity(boost: StatusRecord, o: Origin): Activity {
  const actor = accountUri(boost.account, o);
  return activity({
    id: `${actor}#announces/${boost.id}/undo`,
    type: "Undo",
    actor,
    to: [AS_PUBLIC],
    object: embedded(announceActivity(boost, o)),
  });
}

/** A poll vote: Create of a Note whose `name` is the chosen option, addressed to the poll's author. */
export function voteActivity(voter: string, poll: { uri: string; authorUri: string }, choice: string, voteId: string): Activity {
  const id = `${voter}#votes/${voteId}`;
  return activity({
    id: `${id}/activity`,
    type: "Create",
    actor: voter,
    to: [poll.authorUri],
    object: { id, type: "Note", name: choice, attributedTo: voter, to: [poll.authorUri], inReplyTo: poll.uri },
  });
}

// ----- social graph -----

/** What an Accept/Reject embeds: the Follow as received (its id may be remote). */
export interface FollowRef {
  id: string;
  actor: string;
  object: string;
}

export function followActivity(actor: string, target: string, followId: string): Activity {
  return activity({ id: `${actor}#follows/${followId}`, type: "Follow", actor, object: target });
}

export function acceptFollowActivity(actor: string, follow: FollowRef, localId: string): Activity {
  return activity({
    id: `${actor}#accepts/follows/${localId}`,
    type: "Accept",
    actor,
    object: { id: follow.id, type: "Follow", actor: follow.actor, object: follow.object },
  });
}

export function rejectFollowActivity(actor: string, follow: FollowRef, localId: string): Activity {
  return activity({
    id: `${actor}#rejects/follows/${localId}`,
    type: "Reject",
    actor,
    object: { id: follow.id, type: "Follow", actor: follow.actor, object: follow.object },
  });
}

/** Undo of any activity we sent earlier (Follow, Like, Block, Accept...): `<its id>/undo`. */
export function undoActivity(inner: Activity): Activity {
  return activity({ id: `${inner.id}/undo`, type: "Undo", actor: inner.actor, object: embedded(inner) });
}

export function likeActivity(actor: string, objectUri: string, likeId: string): Activity {
  return activity({ id: `${actor}#likes/${likeId}`, type: "Like", actor, object: objectUri });
}

export function blockActivity(actor: string, target: string, blockId: string): Activity {
  return activity({ id: `${actor}#blocks/${blockId}`, type: "Block", actor, object: target });
}

// ----- the account itself -----

/** A profile change: the whole actor document, with an id per update time. */
export function updateActorActivity(a: AccountRecord, o: Origin, ed25519PublicMultibase: string | null, at: number): Activity {
  const actor = actorObject(a, o, ed25519PublicMultibase);
  return activity({
    id: `${actor.id}#updates/${Math.floor(at / 1000)}`,
    type: "Update",
    actor: actor.id as string,
    to: [AS_PUBLIC],
    object: actor,
  });
}

/** Account deletion: `object` is the actor itself. */
export function deleteActorActivity(actor: string): Activity {
  return activity({ id: `${actor}#delete`, type: "Delete", actor, to: [AS_PUBLIC], object: actor });
}

/** Moving to another account: the target must list this actor in `alsoKnownAs`. */
export function moveActivity(actor: string, target: string, moveId: string): Activity {
  return activity({ id: `${actor}#moves/${moveId}`, type: "Move", actor, object: actor, target });
}

/** Pinning (to the featured collection) and unpinning; `seed` makes each action's id unique. */
export function addActivity(actor: string, collection: string, objectUri: string, seed: string): Activity {
  return activity({ id: `${actor}#add/${seed}`, type: "Add", actor, target: collection, object: objectUri });
}

export function removeActivity(actor: string, collection: string, objectUri: string, seed: string): Activity {
  return activity({ id: `${actor}#remove/${seed}`, type: "Remove", actor, target: collection, object: objectUri });
}

// ----- moderation -----

/** A report forwarded to the reported account's server, sent by the instance actor. */
export function flagActivity(
  o: Origin,
  report: { id: string; targetUri: string; statusUris: string[]; comment: string },
): Activity {
  const actor = instanceActorUri(o);
  return activity({
    id: `${actor}#reports/${report.id}`,
    type: "Flag",
    actor,
    content: report.comment,
    object: [report.targetUri, ...report.statusUris],
  });
}
