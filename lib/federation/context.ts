/**
 * The JSON-LD `@context` of every document we serve or send. Peers resolve contexts offline
 * (Mastodon preloads only ActivityStreams and security v1), so every extension term is inline
 * and no other remote context URL is referenced.
 */
export const ACTIVITYSTREAMS_CONTEXT = "https://www.w3.org/ns/activitystreams";
export const SECURITY_V1_CONTEXT = "https://w3id.org/security/v1";

/** The special collection addressing everyone (https://www.w3.org/TR/activitypub/#public-addressing). */
export const AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

/** What we answer with; peers also accept the ld+json profile form, which we take on input. */
export const AS2_CONTENT_TYPE = "application/activity+json; charset=utf-8";

const SEC = "https://w3id.org/security#";
const FEP_044F = "https://w3id.org/fep/044f#";

/**
 * Mastodon's extension terms (app/lib/activitypub/adapter.rb) plus what we emit besides:
 * `indexable`/`memorial` (toot:), FEP-2c59 `webfinger`, and the FEP-521a Multikey terms of
 * `assertionMethod` (spelled out as full IRIs so they need no other context).
 */
export const EXTENSION_TERMS = {
  manuallyApprovesFollowers: "as:manuallyApprovesFollowers",
  sensitive: "as:sensitive",
  Hashtag: "as:Hashtag",
  movedTo: { "@id": "as:movedTo", "@type": "@id" },
  alsoKnownAs: { "@id": "as:alsoKnownAs", "@type": "@id" },
  toot: "http://joinmastodon.org/ns#",
  Emoji: "toot:Emoji",
  featured: { "@id": "toot:featured", "@type": "@id" },
  featuredTags: { "@id": "toot:featuredTags", "@type": "@id" },
  discoverable: "toot:discoverable",
  indexable: "toot:indexable",
  attributionDomains: { "@id": "toot:attributionDomains", "@type": "@id" },
  memorial: "toot:memorial",
  suspended: "toot:suspended",
  focalPoint: { "@container": "@list", "@id": "toot:focalPoint" },
  blurhash: "toot:blurhash",
  votersCount: "toot:votersCount",
  schema: "http://schema.org#",
  PropertyValue: "schema:PropertyValue",
  value: "schema:value",
  ostatus: "http://ostatus.org#",
  atomUri: "ostatus:atomUri",
  inReplyToAtomUri: "ostatus:inReplyToAtomUri",
  conversation: "ostatus:conversation",
  webfinger: { "@id": "https://purl.archive.org/socialweb/webfinger#webfinger", "@type": "http://www.w3.org/2001/XMLSchema#string" },
  Multikey: `${SEC}Multikey`,
  assertionMethod: { "@id": `${SEC}assertionMethod`, "@type": "@id", "@container": "@set" },
  controller: { "@id": `${SEC}controller`, "@type": "@id" },
  publicKeyMultibase: { "@id": `${SEC}publicKeyMultibase`, "@type": `${SEC}multibase` },
  // Quote posts (FEP-044f), with the older quote properties and GoToSocial's interaction policies.
  quote: { "@id": `${FEP_044F}quote`, "@type": "@id" },
  quoteUri: { "@id": "http://fedibird.com/ns#quoteUri", "@type": "@id" },
  _misskey_quote: { "@id": "https://misskey-hub.net/ns#_misskey_quote", "@type": "@id" },
  quoteAuthorization: { "@id": `${FEP_044F}quoteAuthorization`, "@type": "@id" },
  QuoteRequest: `${FEP_044F}QuoteRequest`,
  QuoteAuthorization: `${FEP_044F}QuoteAuthorization`,
  gts: "https://gotosocial.org/ns#",
  interactionPolicy: { "@id": "gts:interactionPolicy", "@type": "@id" },
  canQuote: { "@id": "gts:canQuote", "@type": "@id" },
  automaticApproval: { "@id": "gts:automaticApproval", "@type": "@id" },
  manualApproval: { "@id": "gts:manualApproval", "@type": "@id" },
  interactingObject: { "@id": "gts:interactingObject", "@type": "@id" },
  interactionTarget: { "@id": "gts:interactionTarget", "@type": "@id" },
} as const;

export const FEDERATION_CONTEXT = [ACTIVITYSTREAMS_CONTEXT, SECURITY_V1_CONTEXT, EXTENSION_TERMS] as const;

/** A top-level document: the context first, then the fields. Embedded objects carry none. */
export function withContext<T extends Record<string, unknown>>(doc: T): { "@context": typeof FEDERATION_CONTEXT } & T {
  return { "@context": FEDERATION_CONTEXT, ...doc };
}

/** The forms of the public collection seen in the wild (compacted against AS2 or not). */
export function isPublicCollection(value: unknown): boolean {
  return value === AS_PUBLIC || value === "as:Public" || value === "Public";
}
