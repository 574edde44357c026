import { describe, expect, it } from "vitest";
import { AS_PUBLIC } from "../../lib/federation/context";
import { inboundStatus, jsonLdTrick, pollVoteOf, sameHost, sanitizeInboundStatus, type InboundContext } from "../../core/activitypub/inbound";

const LOCAL = { origin: "https://pronghorn.test", domain: "pronghorn.test" };
const ACTOR = "https://remote.example/users/carol";
const FOLLOWERS = "https://remote.example/users/carol/followers";
const ALICE = "https://pronghorn.test/users/alice";
const BOB = "https://pronghorn.test/users/bob";
const ctx: InboundContext = { actor: ACTOR, actorFollowers: FOLLOWERS, local: LOCAL, now: Date.parse("2025-06-01T00:00:00Z") };

function note(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "https://remote.example/users/carol/statuses/1",
    type: "Note",
    attributedTo: ACTOR,
    content: "<p>Hello <a href=\"https://pronghorn.test/@alice\" class=\"mention\">@alice</a></p>",
    published: "2025-05-31T10:00:00Z",
    url: "https://remote.example/@carol/1",
    to: [AS_PUBLIC],
    cc: [FOLLOWERS, ALICE],
    tag: [
      { type: "Mention", href: ALICE, name: "@alice@pronghorn.test" },
      { type: "Hashtag", href: "https://remote.example/tags/Cats", name: "#Cats" },
      { type: "Hashtag", href: "https://remote.example/tags/cats", name: "#cats" },
      { type: "Emoji", name: ":blob:", icon: { type: "Image", url: "https://remote.example/emoji/blob.png" } },
    ],
    ...overrides,
  };
}

function parse(object: unknown, c: InboundContext = ctx) {
  const result = inboundStatus(object, c);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe("inbound Note", () => {
  it("converts the fields of a public Note", () => {
    const s = parse(note({ sensitive: false, updated: "2025-05-31T11:00:00Z", inReplyTo: "https://pronghorn.test/users/alice/statuses/5", conversation: "tag:remote.example,2025:objectId=1" }));
    expect(s).toMatchObject({
      uri: "https://remote.example/users/carol/statuses/1",
      url: "https://remote.example/@carol/1",
      type: "Note",
      actor: ACTOR,
      visibility: "public",
      created_at: "2025-05-31T10:00:00.000Z",
      edited_at: "2025-05-31T11:00:00.000Z",
      in_reply_to_uri: "https://pronghorn.test/users/alice/statuses/5",
      conversation: "tag:remote.example,2025:objectId=1",
      spoiler_text: "",
      sensitive: false,
      language: null,
      mentions: [{ href: ALICE, name: "@alice@pronghorn.test" }],
      local_mentions: ["alice"],
      local_recipients: ["alice"],
      tags: ["cats"],
      emojis: [{ shortcode: "blob", url: "https://remote.example/emoji/blob.png" }],
      attachments: [],
      poll: null,
    });
    expect(s.content).toContain("Hello");
  });

  it("reads contentMap when content is missing, and its language", () => {
    const s = parse(note({ content: undefined, contentMap: { de: "<p>Hallo</p>", en: "<p>Hello</p>" } }));
    expect(s.content).toBe("<p>Hallo</p>");
    expect(s.language).toBe("de");
  });

  it("takes visibility from addressing", () => {
    expect(parse(note({ to: [AS_PUBLIC], cc: [FOLLOWERS] })).visibility).toBe("public");
    expect(parse(note({ to: ["as:Public"], cc: [] })).visibility).toBe("public");
    expect(parse(note({ to: [FOLLOWERS], cc: [AS_PUBLIC] })).visibility).toBe("unlisted");
    expect(parse(note({ to: [FOLLOWERS], cc: [ALICE] })).visibility).toBe("private");
    expect(parse(note({ to: [ALICE], cc: [] })).visibility).toBe("direct");
    // Addressing on the activity stands in when the object has none.
    expect(parse(note({ to: undefined, cc: undefined }), { ...ctx, activity: { to: [FOLLOWERS], cc: [AS_PUBLIC] } }).visibility).toBe("unlisted");
    // Without a known followers collection, the conventional one is recognised.
    expect(parse(note({ to: [FOLLOWERS], cc: [] }), { ...ctx, actorFollowers: null }).visibility).toBe("private");
  });

  it("notifies a local user only when mentioned AND addressed", () => {
    const notAddressed = parse(note({ to: [AS_PUBLIC], cc: [FOLLOWERS] }));
    expect(notAddressed.local_mentions).toEqual([]);
    const silent = parse(note({ to: [BOB], cc: [], tag: [] }));
    expect(silent.local_mentions).toEqual([]);
    expect(silent.local_recipients).toEqual(["bob"]);
    expect(silent.visibility).toBe("direct");
    const both = parse(note({ to: [ALICE, BOB], cc: [], tag: [{ type: "Mention", href: ALICE }, { type: "Mention", href: BOB }] }));
    expect(both.local_mentions.sort()).toEqual(["alice", "bob"]);
  });

  it("carries CW and sensitivity", () => {
    const s = parse(note({ summary: "spoiler", sensitive: false }));
    expect(s.spoiler_text).toBe("spoiler");
    expect(s.sensitive).toBe(true);
    expect(parse(note({ summaryMap: { en: "cw" } })).spoiler_text).toBe("cw");
    expect(parse(note({ sensitive: true })).sensitive).toBe(true);
  });

  it("reads attachments", () => {
    const s = parse(
      note({
        attachment: [
          { type: "Document", mediaType: "image/png", url: "https://remote.example/m/1.png", name: "alt", blurhash: "UABC", focalPoint: [0.5, -0.2], width: 640, height: 480 },
          { type: "Document", url: { type: "Link", href: "https://remote.example/m/2.mp4", mediaType: "video/mp4" } },
          { type: "Document", url: "javascript:alert(1)" },
        ],
      }),
    );
    expect(s.attachments).toEqual([
      { type: "Document", url: "https://remote.example/m/1.png", mediaType: "image/png", name: "alt", blurhash: "UABC", focalPoint: [0.5, -0.2], width: 640, height: 480 },
      { type: "Document", url: "https://remote.example/m/2.mp4", mediaType: "video/mp4", name: null, blurhash: null, focalPoint: null, width: null, height: null },
    ]);
  });

  it("defaults published to now and ignores a url on another host", () => {
    const s = parse(note({ published: "garbage", url: "https://elsewhere.example/x" }));
    expect(s.created_at).toBe("2025-06-01T00:00:00.000Z");
    expect(s.url).toBe("https://remote.example/users/carol/statuses/1");
  });
});

describe("inbound Question", () => {
  it("becomes a poll", () => {
    const s = parse(
      note({
        type: "Question",
        endTime: "2025-06-03T00:00:00Z",
        votersCount: 7,
        oneOf: [
          { type: "Note", name: "Yes", replies: { type: "Collection", totalItems: 5 } },
          { type: "Note", name: "No", replies: { type: "Collection", totalItems: 2 } },
        ],
      }),
    );
    expect(s.type).toBe("Question");
    expect(s.poll).toEqual({
      expires_at: "2025-06-03T00:00:00.000Z",
      multiple: false,
      options: [
        { title: "Yes", votes_count: 5 },
        { title: "No", votes_count: 2 },
      ],
      votes_count: 7,
      voters_count: 7,
    });
  });

  it("anyOf is a multiple-choice poll; closed sets the end", () => {
    const s = parse(note({ type: "Question", closed: "2025-05-30T00:00:00Z", anyOf: [{ name: "A", replies: { totalItems: 3 } }, { name: "B" }] }));
    expect(s.poll).toMatchObject({ multiple: true, expires_at: "2025-05-30T00:00:00.000Z", votes_count: 3, voters_count: 3 });
  });
});

describe("converted object types", () => {
  it.each(["Article", "Page"])("%s becomes title + summary + link, as Mastodon renders it", (type) => {
    const s = parse(note({ type, name: "A <Title>", summary: "<p>Short</p>", content: "<p>Very long body</p>", url: "https://remote.example/blog/1" }));
    expect(s.type).toBe(type);
    expect(s.content).toBe('<h2>A &lt;Title&gt;</h2><p>Short</p><p><a href="https://remote.example/blog/1">https://remote.example/blog/1</a></p>');
    expect(s.spoiler_text).toBe("");
    expect(s.sensitive).toBe(false);
  });

  it.each(["Image", "Video", "Audio", "Event"])("%s is converted too", (type) => {
    const s = parse(note({ type, name: "Thing", content: undefined, summary: undefined, url: undefined }));
    expect(s.type).toBe(type);
    expect(s.content).toBe('<h2>Thing</h2><p><a href="https://remote.example/users/carol/statuses/1">https://remote.example/users/carol/statuses/1</a></p>');
  });

  it("takes the first supported type of a type array", () => {
    expect(parse(note({ type: ["Custom", "Page"], name: "T" })).type).toBe("Page");
  });
});

describe("guard clauses", () => {
  const rejects = (object: unknown, error: RegExp, c = ctx) => {
    const result = inboundStatus(object, c);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  };

  it("refuses an object whose id is not on the actor's host", () => {
    rejects(note({ id: "https://evil.example/notes/1" }), /host of the actor/);
  });

  it("refuses an attributedTo other than the actor", () => {
    rejects(note({ attributedTo: "https://remote.example/users/mallory" }), /attributedTo/);
  });

  it("refuses @graph, @included and @reverse", () => {
    for (const key of ["@graph", "@included", "@reverse"]) rejects(note({ [key]: [] }), new RegExp(key));
    expect(jsonLdTrick({ type: "Create", "@graph": [] })).toMatch(/@graph/);
    expect(jsonLdTrick({ type: "Create", object: { "@reverse": {} } })).toMatch(/@reverse/);
    expect(jsonLdTrick({ type: "Create", object: note() })).toBeNull();
  });

  it("refuses unsupported types, bare URIs and missing ids", () => {
    rejects(note({ type: "Person" }), /unsupported/);
    rejects("https://remote.example/users/carol/statuses/1", /embedded/);
    rejects(note({ id: undefined }), /id/);
    rejects(note({ id: "urn:uuid:1" }), /id/);
  });

  it("sameHost compares hosts (and ports) only", () => {
    expect(sameHost("https://a.example/x", "https://A.example/y")).toBe(true);
    expect(sameHost("https://a.example:8443/x", "https://a.example/y")).toBe(false);
    expect(sameHost("nope", "https://a.example/")).toBe(false);
  });
});

describe("poll votes and sanitizing", () => {
  it("recognises a vote: a named Note in reply, without content", () => {
    expect(pollVoteOf({ type: "Note", name: "Yes", inReplyTo: "https://pronghorn.test/users/alice/statuses/1" })).toEqual({
      questionUri: "https://pronghorn.test/users/alice/statuses/1",
      choice: "Yes",
    });
    expect(pollVoteOf(note({ name: "Yes", inReplyTo: "https://x/1" }))).toBeNull();
    expect(pollVoteOf({ type: "Note", inReplyTo: "https://x/1" })).toBeNull();
  });

  it("sanitizes content and turns CW and poll options into text", async () => {
    const s = parse(
      note({
        type: "Question",
        content: '<p onclick="x()">hi<script>alert(1)</script></p>',
        summary: "<b>cw</b> &amp; more",
        oneOf: [{ name: "<i>A</i>" }, { name: "B" }],
      }),
    );
    const clean = await sanitizeInboundStatus(s);
    expect(clean.content).toBe("<p>hi</p>");
    expect(clean.spoiler_text).toBe("cw & more");
    expect(clean.poll?.options.map((o) => o.title)).toEqual(["A", "B"]);
  });
});
