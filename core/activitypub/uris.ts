import { actorUri, profileUrl, type Origin } from "../serializers/account";

/**
 * Every URL of a local actor, in one place so that documents, routes and the
 * delivery code agree on them.
 */
export interface LocalActorUris {
  id: string;
  key: string;
  inbox: string;
  outbox: string;
  followers: string;
  following: string;
  featured: string;
  featuredTags: string;
  sharedInbox: string;
  url: string;
}

export function localActorUris(o: Origin, username: string): LocalActorUris {
  const id = actorUri(o, username);
  return {
    id,
    key: `${id}#main-key`,
    inbox: `${id}/inbox`,
    outbox: `${id}/outbox`,
    followers: `${id}/followers`,
    following: `${id}/following`,
    featured: `${id}/collections/featured`,
    featuredTags: `${id}/collections/tags`,
    sharedInbox: sharedInboxUri(o),
    url: profileUrl(o, username),
  };
}

export function sharedInboxUri(o: Origin): string {
  return `${o.origin}/inbox`;
}

/** The instance actor (type Application) that signs our GETs and sends reports. */
export function instanceActorUri(o: Origin): string {
  return `${o.origin}/actor`;
}

/**
 * The local username an actor URI or profile URL of this instance names, or null when the URL
 * is not one of ours. Used to find local accounts in remote addressing and Mention tags.
 */
export function localUsernameOf(o: Origin, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.origin !== new URL(o.origin).origin) return null;
  const match = /^\/(?:users\/|@)([A-Za-z0-9_]{1,30})$/.exec(parsed.pathname);
  return match && !parsed.search && !parsed.hash ? match[1] : null;
}
