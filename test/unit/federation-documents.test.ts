import { describe, expect, it } from "vitest";
import { type AccountRecord, type StatusRecord, toSnapshot } from "../../schemas/records";
import { AS_PUBLIC, FEDERATION_CONTEXT, isPublicCollection } from "../../lib/federation/context";
import { actorDocument } from "../../core/activitypub/actor";
import { addressing, conversationUri, derivedParentUri, noteDocument, noteObject } from "../../core/activitypub/note";
import {
  acceptFollowActivity,
  addActivity,
  announceActivity,
  blockActivity,
  createActivity,
  deleteActorActivity,
  deleteNoteActivity,
  flagActivity,
  followActivity,
  likeActivity,
  moveActivity,
  rejectFollowActivity,
  removeActivity,
  undoActivity,
  undoAnnounceActivity,
  updateActorActivity,
  updateNoteActivity,
  voteActivity,
} from "../../core/activitypub/activities";
import { localActorUris, localUsernameOf } from "../../core/activitypub/uris";

const O = { origin: "https://pronghorn.test", domain: "pronghorn.test" };
const ALICE = "https://pronghorn.test/users/alice";

function account(overrides: Partial<AccountRecord> = {}): AccountRecord {
  return {
    id: "111111111111111111",
    username: "alice",
    domain: null,
    email: "alice@example.com",
    display_name: "Alice <A>",
    note: "hi",
    note_html: "<p>hi</p>",
    fields: [{ name: "Site", value: "https://alice.example", value_html: '<a href="https://alice.example">alice.example</a>', verified_at: null }],
    locked: false,
    bot: false,
    discoverable: true,
    indexable: false,
    hide_collections: false,
    privacy: "public",
    sensitive: false,
    language: "en",
    role: "user",
    approved: true,
    avatar_url: null,
    header_url: null,
    created_at: "2025-03-04T05:06:07.890Z",
    last_status_at: null,
    statuses_count: 0,
    followers_count: 0,
    following_count: 0,
    public_key_pem: "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
    ...overrides,
  };
}

const BOB = { id: "222222222222222222", username: "bob", domain: null };
const CAROL_REMOTE = { id: "333333333333333333", username: "carol", domain: "remote.example", url: "https://remote.example/@carol", uri: "https://remote.example/users/carol" };
const CAROL_URI = "https://remote.example/users/carol";
const BOB_URI = "https://pronghorn.test/users/bob";

function status(overrides: Partial<StatusRecord> = {}): StatusRecord {
  return {
    id: "115000000000000001",
    uri: null,
    url: null,
    account: toSnapshot(account()),
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    conversation_id: "115000000000000001",
    reblog: null,
    content: "<p>Hello <span class=\"h-card\">@bob</span> #Tag</p>",
    spoiler_text: "",
    visibility: "public",
    sensitive: false,
    language: "en",
    created_at: "2025-06-01T12:00:00.000Z",
    edited_at: null,
    replies_count: 1,
    reblogs_count: 2,
    favourites_count: 3,
    mentions: [BOB, CAROL_REMOTE],
    tags: ["tag"],
    poll: null,
    application: null,
    ...overrides,
  };
}

describe("@context", () => {
  it("is ActivityStreams, security v1 and one inline term map, with no other remote context", () => {
    expect(FEDERATION_CONTEXT[0]).toBe("https://www.w3.org/ns/activitystreams");
    expect(FEDERATION_CONTEXT[1]).toBe("https://w3id.org/security/v1");
    expect(FEDERATION_CONTEXT).toHaveLength(3);
    const terms = FEDERATION_CONTEXT[2] as Record<string, unknown>;
    expect(terms).toMatchObject({
      toot: "http://joinmastodon.org/ns#",
      schema: "http://schema.org#",
      PropertyValue: "schema:PropertyValue",
      value: "schema:value",
      manuallyApprovesFollowers: "as:manuallyApprovesFollowers",
      sensitive: "as:sensitive",
      Hashtag: "as:Hashtag",
      movedTo: { "@id": "as:movedTo", "@type": "@id" },
      alsoKnownAs: { "@id": "as:alsoKnownAs", "@type": "@id" },
      featured: { "@id": "toot:featured", "@type": "@id" },
      featuredTags: { "@id": "toot:featuredTags", "@type": "@id" },
      discoverable: "toot:discoverable",
      indexable: "toot:indexable",
      memorial: "toot:memorial",
      focalPoint: { "@container": "@list", "@id": "toot:focalPoint" },
      blurhash: "toot:blurhash",
      votersCount: "toot:votersCount",
      Emoji: "toot:Emoji",
    });
    // Term values are terms or absolute IRIs, never context documents to fetch.
    const json = JSON.stringify(terms);
    expect(json).not.toMatch(/"@context"|\.jsonld|\/context/);
  });

  it("recognises every spelling of the public collection", () => {
    for (const v of [AS_PUBLIC, "as:Public", "Public"]) expect(isPublicCollection(v)).toBe(true);
    expect(isPublicCollection("https://pronghorn.test/users/alice/followers")).toBe(false);
  });
});

describe("actor document", () => {
  it("has every field Mastodon reads, with exact URLs", () => {
    const doc = actorDocument(account(), O, "z6MkTestKey") as Record<string, unknown>;
    expect(doc["@context"]).toEqual(FEDERATION_CONTEXT);
    expect(doc).toMatchObject({
      id: ALICE,
      type: "Person",
      webfinger: "alice@pronghorn.test",
      preferredUsername: "alice",
      name: "Alice <A>",
      summary: "<p>hi</p>",
      url: "https://pronghorn.test/@alice",
      inbox: `${ALICE}/inbox`,
      outbox: `${ALICE}/outbox`,
      followers: `${ALICE}/followers`,
      following: `${ALICE}/following`,
      featured: `${ALICE}/collections/featured`,
      featuredTags: `${ALICE}/collections/tags`,
      endpoints: { sharedInbox: "https://pronghorn.test/inbox" },
      manuallyApprovesFollowers: false,
      discoverable: true,
      indexable: false,
      published: "2025-03-04T00:00:00.000Z",
      memorial: false,
      tag: [],
      alsoKnownAs: [],
      attachment: [{ type: "PropertyValue", name: "Site", value: '<a href="https://alice.example">alice.example</a>' }],
      publicKey: { id: `${ALICE}#main-key`, owner: ALICE, publicKeyPem: account().public_key_pem },
      assertionMethod: [{ id: `${ALICE}#ed25519-key`, type: "Multikey", controller: ALICE, publicKeyMultibase: "z6MkTestKey" }],
      icon: { type: "Image", mediaType: "image/png", url: "https://pronghorn.test/avatars/original/missing.png" },
      image: { type: "Image", mediaType: "image/png", url: "https://pronghorn.test/headers/original/missing.png" },
    });
  });

  it("is a Service for bots, locked → manuallyApprovesFollowers, username when no display name", () => {
    const doc = actorDocument(account({ bot: true, locked: true, display_name: "" }), O, null) as Record<string, unknown>;
    expect(doc.type).toBe("Service");
    expect(doc.manuallyApprovesFollowers).toBe(true);
    expect(doc.name).toBe("alice");
    expect(doc).not.toHaveProperty("assertionMethod");
  });

  it("uses uploaded images with their media type", () => {
    const doc = actorDocument(account({ avatar_url: "https://cdn.example/a.jpeg", header_url: "https://cdn.example/h.webp?v=2" }), O) as Record<string, unknown>;
    expect(doc.icon).toEqual({ type: "Image", mediaType: "image/jpeg", url: "https://cdn.example/a.jpeg" });
    expect(doc.image).toEqual({ type: "Image", mediaType: "image/webp", url: "https://cdn.example/h.webp?v=2" });
  });

  it("URL helpers agree with the contract and recognise local actors", () => {
    expect(localActorUris(O, "alice")).toEqual({
      id: ALICE,
      key: `${ALICE}#main-key`,
      inbox: `${ALICE}/inbox`,
      outbox: `${ALICE}/outbox`,
      followers: `${ALICE}/followers`,
      following: `${ALICE}/following`,
      featured: `${ALICE}/collections/featured`,
      featuredTags: `${ALICE}/collections/tags`,
      sharedInbox: "https://pronghorn.test/inbox",
      url: "https://pronghorn.test/@alice",
    });
    expect(localUsernameOf(O, ALICE)).toBe("alice");
    expect(localUsernameOf(O, "https://pronghorn.test/@bob")).toBe("bob");
    expect(localUsernameOf(O, "https://remote.example/users/alice")).toBeNull();
    expect(localUsernameOf(O, `${ALICE}/followers`)).toBeNull();
    expect(localUsernameOf(O, "not a url")).toBeNull();
  });
});

describe("Note", () => {
  it("has the fields Mastodon emits", () => {
    const s = status();
    const note = noteDocument(s, O) as Record<string, unknown>;
    const id = `${ALICE}/statuses/${s.id}`;
    expect(note["@context"]).toEqual(FEDERATION_CONTEXT);
    expect(note).toMatchObject({
      id,
      type: "Note",
      summary: null,
      inReplyTo: null,
      published: s.created_at,
      url: `https://pronghorn.test/@alice/${s.id}`,
      attributedTo: ALICE,
      sensitive: false,
      content: s.content,
      contentMap: { en: s.content },
      attachment: [],
      conversation: conversationUri(s, O),
      tag: [
        { type: "Mention", href: BOB_URI, name: "@bob@pronghorn.test" },
        { type: "Mention", href: CAROL_URI, name: "@carol@remote.example" },
        { type: "Hashtag", href: "https://pronghorn.test/tags/tag", name: "#tag" },
      ],
      replies: { id: `${id}/replies`, type: "Collection", first: { type: "CollectionPage", partOf: `${id}/replies`, items: [] } },
      likes: { id: `${id}/likes`, type: "Collection", totalItems: 3 },
      shares: { id: `${id}/shares`, type: "Collection", totalItems: 2 },
    });
    expect(note).not.toHaveProperty("updated");
    expect(conversationUri(s, O)).toMatch(/^tag:pronghorn\.test,\d{4}-\d{2}-\d{2}:objectId=115000000000000001:objectType=Conversation$/);
  });

  it("addresses each visibility as Mastodon does", () => {
    const followers = `${ALICE}/followers`;
    expect(addressing(status({ visibility: "public" }), O)).toEqual({ to: [AS_PUBLIC], cc: [followers, BOB_URI, CAROL_URI] });
    expect(addressing(status({ visibility: "unlisted" }), O)).toEqual({ to: [followers], cc: [AS_PUBLIC, BOB_URI, CAROL_URI] });
    expect(addressing(status({ visibility: "private" }), O)).toEqual({ to: [followers], cc: [BOB_URI, CAROL_URI] });
    expect(addressing(status({ visibility: "direct" }), O)).toEqual({ to: [BOB_URI, CAROL_URI], cc: [] });
    // Without mentions
    expect(addressing(status({ visibility: "private", mentions: [] }), O)).toEqual({ to: [followers], cc: [] });
    expect(addressing(status({ visibility: "direct", mentions: [] }), O)).toEqual({ to: [], cc: [] });
  });

  it("never addresses a direct status to the public or to followers", () => {
    const note = noteObject(status({ visibility: "direct" }), O);
    const audience = [...(note.to as string[]), ...(note.cc as string[])];
    expect(audience).not.toContain(AS_PUBLIC);
    expect(audience).not.toContain(`${ALICE}/followers`);
  });

  it("carries CW, sensitivity, edits and no contentMap without a language", () => {
    const note = noteObject(status({ spoiler_text: "spoilers", sensitive: true, edited_at: "2025-06-02T00:00:00.000Z", language: null }), O);
    expect(note.summary).toBe("spoilers");
    expect(note.sensitive).toBe(true);
    expect(note.updated).toBe("2025-06-02T00:00:00.000Z");
    expect(note).not.toHaveProperty("contentMap");
  });

  it("derives inReplyTo for self-replies and local mentioned parents, and takes it as an option otherwise", () => {
    const selfReply = status({ in_reply_to_id: "115000000000000000", in_reply_to_account_id: account().id });
    expect(noteObject(selfReply, O).inReplyTo).toBe(`${ALICE}/statuses/115000000000000000`);
    const toBob = status({ in_reply_to_id: "9", in_reply_to_account_id: BOB.id });
    expect(derivedParentUri(toBob, O)).toBe(`${BOB_URI}/statuses/9`);
    const toCarol = status({ in_reply_to_id: "8", in_reply_to_account_id: CAROL_REMOTE.id });
    expect(derivedParentUri(toCarol, O)).toBeNull();
    expect(noteObject(toCarol, O, { inReplyToUri: "https://remote.example/users/carol/statuses/1" }).inReplyTo).toBe(
      "https://remote.example/users/carol/statuses/1",
    );
  });

  it("is a Question with oneOf/anyOf, endTime, votersCount and closed when expired", () => {
    const poll = {
      id: "1",
      expires_at: "2025-06-02T12:00:00.000Z",
      multiple: false,
      options: [
        { title: "Yes", votes_count: 4 },
        { title: "No", votes_count: 1 },
      ],
      votes_count: 5,
      voters_count: 5,
    };
    const open = noteObject(status({ poll }), O, { now: Date.parse("2025-06-01T13:00:00Z") });
    expect(open).toMatchObject({
      type: "Question",
      endTime: "2025-06-02T12:00:00.000Z",
      votersCount: 5,
      oneOf: [
        { type: "Note", name: "Yes", replies: { type: "Collection", totalItems: 4 } },
        { type: "Note", name: "No", replies: { type: "Collection", totalItems: 1 } },
      ],
    });
    expect(open).not.toHaveProperty("anyOf");
    expect(open).not.toHaveProperty("closed");
    const closed = noteObject(status({ poll: { ...poll, multiple: true, voters_count: 3 } }), O, { now: Date.parse("2025-06-03T00:00:00Z") });
    expect(closed).toMatchObject({ type: "Question", closed: "2025-06-02T12:00:00.000Z", votersCount: 3 });
    expect((closed.anyOf as unknown[]).length).toBe(2);
    expect(closed).not.toHaveProperty("oneOf");
  });
});

describe("activity builders", () => {
  const s = status();
  const id = `${ALICE}/statuses/${s.id}`;

  it("Create wraps the Note with the same addressing", () => {
    const a = createActivity(s, O);
    expect(a["@context"]).toEqual(FEDERATION_CONTEXT);
    expect(a).toMatchObject({ id: `${id}/activity`, type: "Create", actor: ALICE, published: s.created_at, to: [AS_PUBLIC] });
    const object = a.object as Record<string, unknown>;
    expect(object.id).toBe(id);
    expect(object).not.toHaveProperty("@context");
    expect(a.cc).toEqual(object.cc);
  });

  it("Update of a Note has an id per edit", () => {
    const edited = status({ edited_at: "2025-06-02T00:00:00.000Z" });
    const a = updateNoteActivity(edited, O);
    expect(a).toMatchObject({ id: `${id}#updates/${Date.parse("2025-06-02T00:00:00Z") / 1000}`, type: "Update", actor: ALICE });
    expect((a.object as Record<string, unknown>).updated).toBe("2025-06-02T00:00:00.000Z");
  });

  it("Delete carries a Tombstone", () => {
    const a = deleteNoteActivity(status({ visibility: "private" }), O);
    expect(a).toMatchObject({
      id: `${id}#delete`,
      type: "Delete",
      actor: ALICE,
      to: [`${ALICE}/followers`],
      object: { id, type: "Tombstone", atomUri: id },
    });
  });

  it("Announce points at the original and cc's its author; Undo embeds it", () => {
    const original = status({ id: "115000000000000009", account: { ...toSnapshot(account({ id: CAROL_REMOTE.id, username: "carol" })), domain: "remote.example", uri: CAROL_URI }, uri: "https://remote.example/users/carol/statuses/9" });
    const boost = status({ id: "115000000000000010", reblog: original, mentions: [], tags: [], content: "" });
    const a = announceActivity(boost, O);
    expect(a).toMatchObject({
      id: `${ALICE}/statuses/115000000000000010/activity`,
      type: "Announce",
      actor: ALICE,
      to: [AS_PUBLIC],
      cc: [CAROL_URI, `${ALICE}/followers`],
      object: "https://remote.example/users/carol/statuses/9",
    });
    const undo = undoAnnounceActivity(boost, O);
    expect(undo).toMatchObject({ id: `${ALICE}#announces/115000000000000010/undo`, type: "Undo", actor: ALICE });
    expect((undo.object as Record<string, unknown>).id).toBe(a.id);
    expect(undo.object).not.toHaveProperty("@context");
    expect(() => announceActivity(s, O)).toThrow();
  });

  it("Follow, Accept, Reject and Undo", () => {
    const follow = followActivity(ALICE, CAROL_URI, "42");
    expect(follow).toMatchObject({ id: `${ALICE}#follows/42`, type: "Follow", actor: ALICE, object: CAROL_URI });
    const incoming = { id: "https://remote.example/follows/1", actor: CAROL_URI, object: ALICE };
    expect(acceptFollowActivity(ALICE, incoming, "7")).toMatchObject({
      id: `${ALICE}#accepts/follows/7`,
      type: "Accept",
      actor: ALICE,
      object: { id: incoming.id, type: "Follow", actor: CAROL_URI, object: ALICE },
    });
    expect(rejectFollowActivity(ALICE, incoming, "7")).toMatchObject({ id: `${ALICE}#rejects/follows/7`, type: "Reject", actor: ALICE });
    const undo = undoActivity(follow);
    expect(undo).toMatchObject({ id: `${ALICE}#follows/42/undo`, type: "Undo", actor: ALICE, object: { id: follow.id, type: "Follow", object: CAROL_URI } });
    expect(undo.object).not.toHaveProperty("@context");
  });

  it("Like, Block and their Undo", () => {
    const like = likeActivity(ALICE, "https://remote.example/notes/1", "5");
    expect(like).toMatchObject({ id: `${ALICE}#likes/5`, type: "Like", actor: ALICE, object: "https://remote.example/notes/1" });
    expect(undoActivity(like).id).toBe(`${ALICE}#likes/5/undo`);
    const block = blockActivity(ALICE, CAROL_URI, "6");
    expect(block).toMatchObject({ id: `${ALICE}#blocks/6`, type: "Block", actor: ALICE, object: CAROL_URI });
    expect(undoActivity(block)).toMatchObject({ id: `${ALICE}#blocks/6/undo`, type: "Undo", object: { type: "Block" } });
  });

  it("Update and Delete of the actor", () => {
    const at = Date.parse("2025-07-01T00:00:00Z");
    const update = updateActorActivity(account(), O, "z6Mk", at);
    expect(update).toMatchObject({ id: `${ALICE}#updates/${at / 1000}`, type: "Update", actor: ALICE, to: [AS_PUBLIC] });
    expect((update.object as Record<string, unknown>).id).toBe(ALICE);
    expect(update.object).not.toHaveProperty("@context");
    expect(deleteActorActivity(ALICE)).toMatchObject({ id: `${ALICE}#delete`, type: "Delete", actor: ALICE, object: ALICE, to: [AS_PUBLIC] });
  });

  it("Flag comes from the instance actor", () => {
    const flag = flagActivity(O, { id: "99", targetUri: CAROL_URI, statusUris: ["https://remote.example/notes/1"], comment: "spam" });
    expect(flag).toMatchObject({
      id: "https://pronghorn.test/actor#reports/99",
      type: "Flag",
      actor: "https://pronghorn.test/actor",
      content: "spam",
      object: [CAROL_URI, "https://remote.example/notes/1"],
    });
  });

  it("Move, Add and Remove", () => {
    expect(moveActivity(ALICE, CAROL_URI, "3")).toMatchObject({ id: `${ALICE}#moves/3`, type: "Move", actor: ALICE, object: ALICE, target: CAROL_URI });
    const featured = `${ALICE}/collections/featured`;
    expect(addActivity(ALICE, featured, id, "1")).toMatchObject({ id: `${ALICE}#add/1`, type: "Add", actor: ALICE, target: featured, object: id });
    expect(removeActivity(ALICE, featured, id, "2")).toMatchObject({ id: `${ALICE}#remove/2`, type: "Remove", actor: ALICE, target: featured, object: id });
  });

  it("a poll vote is a Create of a named Note in reply to the Question", () => {
    const vote = voteActivity(ALICE, { uri: "https://remote.example/q/1", authorUri: CAROL_URI }, "Yes", "77");
    expect(vote).toMatchObject({
      id: `${ALICE}#votes/77/activity`,
      type: "Create",
      actor: ALICE,
      to: [CAROL_URI],
      object: { id: `${ALICE}#votes/77`, type: "Note", name: "Yes", attributedTo: ALICE, to: [CAROL_URI], inReplyTo: "https://remote.example/q/1" },
    });
  });
});
