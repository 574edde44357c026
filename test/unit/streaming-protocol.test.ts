import { describe, expect, it } from "vitest";
import {
  envelope,
  parseClientMessage,
  parseSubscription,
  publicStreamsFor,
  streamArray,
  streamForSsePath,
  streamKey,
  streamScope,
  userStreamsFor,
} from "../../objects/streams/protocol";
import { keysFor } from "../../objects/streams/public-streams";

/** The pure parts of the streaming protocol. */

describe("stream names and parameters", () => {
  it("keeps the client's spelling in the stream array and normalizes the key", () => {
    const sub = parseSubscription("hashtag", { tag: "#Café" });
    expect(sub.ok && streamArray(sub.value)).toEqual(["hashtag", "#Café"]);
    expect(sub.ok && streamKey(sub.value)).toBe("hashtag#café");
    const list = parseSubscription("list", { list: 12 });
    expect(list.ok && streamArray(list.value)).toEqual(["list", "12"]);
    const user = parseSubscription("user", { tag: "ignored" });
    expect(user.ok && streamArray(user.value)).toEqual(["user"]);
  });

  it("refuses unknown streams and missing or odd parameters", () => {
    const error = (r: ReturnType<typeof parseSubscription>) => (r.ok ? null : r.error.message);
    expect(error(parseSubscription("home", {}))).toBe("Unknown stream type");
    expect(error(parseSubscription(undefined, {}))).toBe("Unknown stream type");
    expect(error(parseSubscription("hashtag:local", {}))).toBe("Missing tag name parameter");
    expect(error(parseSubscription("hashtag", { tag: "x".repeat(101) }))).toBe("Invalid tag name parameter");
    expect(error(parseSubscription("list", { list: "" }))).toBe("Missing list name parameter");
    expect(error(parseSubscription("list", { list: "abc" }))).toBe("Not authorized to stream this list");
  });

  it("parses subscribe and unsubscribe messages", () => {
    const m = parseClientMessage('{"type":"subscribe","stream":"hashtag","tag":"foo"}');
    expect(m).toEqual({ ok: true, value: { type: "subscribe", subscription: { stream: "hashtag", param: "foo" } } });
    const u = parseClientMessage('{"type":"unsubscribe","stream":"public:local:media"}');
    expect(u.ok && u.value.subscription).toEqual({ stream: "public:local:media" });
    expect(parseClientMessage("nope").ok).toBe(false);
  });
});

describe("events", () => {
  it("wraps payloads as JSON strings and omits a missing payload", () => {
    const parsed = JSON.parse(envelope({ stream: "list", param: "7" }, "update", JSON.stringify({ id: "1" })));
    expect(parsed).toEqual({ stream: ["list", "7"], event: "update", payload: '{"id":"1"}' });
    expect(JSON.parse(envelope({ stream: "user" }, "delete", "123")).payload).toBe("123");
    expect(JSON.parse(envelope({ stream: "user" }, "filters_changed", undefined))).toEqual({ stream: ["user"], event: "filters_changed" });
  });

  it("routes events and scopes as Mastodon does", () => {
    expect(userStreamsFor("notification")).toEqual(["user", "user:notification"]);
    expect(userStreamsFor("conversation")).toEqual(["direct"]);
    expect(userStreamsFor("update")).toEqual(["user"]);
    expect(streamScope("user:notification")).toBe("read:notifications");
    expect(streamScope("hashtag")).toBe("read:statuses");
    expect(publicStreamsFor(true, false)).toEqual(["public", "public:local"]);
    expect(publicStreamsFor(false, true)).toEqual(["public", "public:remote", "public:media", "public:remote:media"]);
    expect(keysFor(true, false, ["Foo"])).toEqual(["public", "public:local", "hashtag#foo", "hashtag:local#foo"]);
    expect(keysFor(false, false, ["foo"])).toEqual(["public", "public:remote", "hashtag#foo"]);
  });

  it("maps SSE paths to streams", () => {
    expect(streamForSsePath("public/local", true)).toBe("public:local:media");
    expect(streamForSsePath("user/notification", false)).toBe("user:notification");
    expect(streamForSsePath("hashtag/local", false)).toBe("hashtag:local");
    expect(streamForSsePath("nope", false)).toBeNull();
  });
});
