import type { AccountRecord } from "../../schemas/records";
import { actorUri, MISSING_AVATAR_PATH, MISSING_HEADER_PATH, type Origin } from "../serializers/account";
import { withContext } from "../../lib/federation/context";
import { profileImageUrl } from "../media/files";
import { localActorUris } from "./uris";

/**
 * A local account as an ActivityPub actor (what Mastodon's ActivityPub::ActorSerializer emits).
 * Pure: the account record and its Ed25519 public key (multibase, from the keys table) in,
 * the document out.
 */
export function actorObject(a: AccountRecord, o: Origin, ed25519PublicMultibase: string | null = null): Record<string, unknown> {
  return a.suspended ? suspendedActorObject(a, o) : fullActorObject(a, o, ed25519PublicMultibase);
}

/**
 * A suspended account's actor, as Mastodon serves it: enough to verify its signatures and
 * address it, no profile, and `suspended: true` (Mastodon's `toot:suspended`).
 */
function suspendedActorObject(a: AccountRecord, o: Origin): Record<string, unknown> {
  const uris = localActorUris(o, a.username);
  return {
    id: uris.id,
    type: "Person",
    following: uris.following,
    followers: uris.followers,
    inbox: uris.inbox,
    outbox: uris.outbox,
    featured: uris.featured,
    featuredTags: uris.featuredTags,
    preferredUsername: a.username,
    name: a.username,
    url: uris.url,
    manuallyApprovesFollowers: false,
    discoverable: false,
    indexable: false,
    published: `${a.created_at.slice(0, 10)}T00:00:00.000Z`,
    memorial: false,
    suspended: true,
    publicKey: { id: uris.key, owner: uris.id, publicKeyPem: a.public_key_pem },
    tag: [] as unknown[],
    attachment: [] as unknown[],
    endpoints: { sharedInbox: uris.sharedInbox },
  };
}

function fullActorObject(a: AccountRecord, o: Origin, ed25519PublicMultibase: string | null): Record<string, unknown> {
  const uris = localActorUris(o, a.username);
  return {
    id: uris.id,
    type: a.bot ? "Service" : "Person",
    // FEP-2c59, as Mastodon emits it: the handle without the `acct:` scheme.
    webfinger: `${a.username}@${o.domain}`,
    following: uris.following,
    followers: uris.followers,
    inbox: uris.inbox,
    outbox: uris.outbox,
    featured: uris.featured,
    featuredTags: uris.featuredTags,
    preferredUsername: a.username,
    name: a.display_name || a.username,
    summary: a.note_html,
    url: uris.url,
    manuallyApprovesFollowers: a.locked,
    discoverable: a.discoverable,
    indexable: a.indexable,
    // Mastodon publishes the day of creation only.
    published: `${a.created_at.slice(0, 10)}T00:00:00.000Z`,
    memorial: false,
    publicKey: { id: uris.key, owner: uris.id, publicKeyPem: a.public_key_pem },
    ...(ed25519PublicMultibase
      ? {
          assertionMethod: [
            { id: `${uris.id}#ed25519-key`, type: "Multikey", controller: uris.id, publicKeyMultibase: ed25519PublicMultibase },
          ],
        }
      : {}),
    tag: [] as unknown[],
    attachment: a.fields.map((f) => ({ type: "PropertyValue", name: f.name, value: f.value_html })),
    alsoKnownAs: a.also_known_as ?? [],
    ...(a.moved ? { movedTo: a.moved.uri ?? actorUri(o, a.moved.username) } : {}),
    ...(a.attribution_domains?.length ? { attributionDomains: a.attribution_domains } : {}),
    endpoints: { sharedInbox: uris.sharedInbox },
    icon: imageObject(a.avatar_url ? profileImageUrl(a.avatar_url, o.origin, o.mediaOrigin) : `${o.origin}${MISSING_AVATAR_PATH}`),
    image: imageObject(a.header_url ? profileImageUrl(a.header_url, o.origin, o.mediaOrigin) : `${o.origin}${MISSING_HEADER_PATH}`),
  };
}

/** The actor document as served at its id, with the `@context`. */
export function actorDocument(a: AccountRecord, o: Origin, ed25519PublicMultibase: string | null = null) {
  return withContext(actorObject(a, o, ed25519PublicMultibase));
}

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
};

function imageObject(url: string): Record<string, string> {
  const extension = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase();
  const mediaType = extension ? IMAGE_TYPES[extension] : undefined;
  return { type: "Image", ...(mediaType ? { mediaType } : {}), url };
}
