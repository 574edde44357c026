import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createAppToken, issueToken } from "./helpers";
import { expectSchema } from "./openapi";
import { call, follow, get, publish, settle, users } from "./timelines-helpers";
import { tagId } from "../../core/serializers/tag";
import { migrate } from "../../objects/migrations";
import { ACCOUNT_MIGRATIONS } from "../../objects/account/schema";
import { searchSchema } from "../../objects/account/search-schema";
import { flushSearchIndex } from "../../objects/account/search";
import { findStatusIds } from "../../objects/search-index";
import type { AccountObject } from "../../objects/account/account-object";

/** A word no other test (or earlier run on the same storage) has posted. */
function word(prefix = "srch"): string {
  return `${prefix}${crypto.getRandomValues(new Uint32Array(2)).join("").slice(0, 12)}x`;
}

async function search(query: string, token?: string, expected = 200): Promise<any> {
  const res = await get(`/api/v2/search?${query}`, token);
  expect(res.status, JSON.stringify(res.body)).toBe(expected);
  if (expected === 200) {
    expectSchema(res.body, "Search");
    for (const s of res.body.statuses) expectSchema(s, "Status");
    for (const t of res.body.hashtags) expectSchema(t, "Tag");
    for (const a of res.body.accounts) expectSchema(a, "Account");
  } else {
    expect(typeof res.body.error).toBe("string");
  }
  return res.body;
}

const ids = (body: any) => body.statuses.map((s: any) => s.id);
const q = (text: string, extra = "") => `q=${encodeURIComponent(text)}${extra}`;

describe("GET /api/v2/search: statuses", () => {
  it("finds the searcher's own posts (any visibility) and public posts of indexable accounts, not private or direct posts of others", async () => {
    const [me, author, stranger, friend] = await users("srme", "srauthor", "srstranger", "srfriend");
    const w = word();
    await follow(me, friend);
    const own = await publish(me, { status: `my ${w} notes` });
    const ownPrivate = await publish(me, { status: `private ${w} of mine`, visibility: "private" });
    const publicPost = await publish(author, { status: `<b>${w}</b> crossing & more` });
    const unlisted = await publish(author, { status: `unlisted ${w}`, visibility: "unlisted" });
    const strangerPrivate = await publish(stranger, { status: `secret ${w}`, visibility: "private" });
    const directToFriend = await publish(stranger, { status: `@${friend.username} direct ${w}`, visibility: "direct" }, [friend]);
    const friendPrivate = await publish(friend, { status: `friends only ${w}`, visibility: "private" }, [me]);

    const body = await search(q(w, "&type=statuses"), me.token);
    expect(ids(body)).toEqual(expect.arrayContaining([own.id, ownPrivate.id, publicPost.id]));
    expect(ids(body)).not.toContain(strangerPrivate.id);
    expect(ids(body)).not.toContain(directToFriend.id);
    // Mastodon searches public posts of others, not unlisted ones, and not the home timeline.
    expect(ids(body)).not.toContain(unlisted.id);
    expect(ids(body)).not.toContain(friendPrivate.id);
    // Newest first, with the viewer's flags.
    expect(ids(body)).toEqual([...ids(body)].sort((a: string, b: string) => (BigInt(b) > BigInt(a) ? 1 : -1)));
    expect(body.statuses[0]).toHaveProperty("favourited", false);

    // The direct message is found by the account it mentions (and by its author).
    expect(ids(await search(q(w), friend.token))).toContain(directToFriend.id);
    expect(ids(await search(q(w), stranger.token))).toEqual(expect.arrayContaining([directToFriend.id, strangerPrivate.id]));
    // HTML is stripped before indexing: tags and attributes (the mention's markup) are not words.
    expect(ids(await search(q(`${w} direct`), friend.token))).toEqual([directToFriend.id]);
    expect(ids(await search(q(`${w} span`), friend.token))).toEqual([]);
    expect(ids(await search(q(`${w} href`), friend.token))).toEqual([]);
  });

  it("finds posts the searcher favourited, bookmarked or was mentioned in, even of non-indexable accounts", async () => {
    const [me, quiet, mentioner] = await users("srme", "srquiet", "srmention");
    const w = word();
    expect((await call("PATCH", "/api/v1/accounts/update_credentials", quiet.token, { indexable: false })).status).toBe(200);
    const hidden = await publish(quiet, { status: `quiet ${w} one` });
    const faved = await publish(quiet, { status: `quiet ${w} two` });
    const marked = await publish(quiet, { status: `quiet ${w} three` });
    const mention = await publish(mentioner, { status: `@${me.username} look ${w}`, visibility: "unlisted" }, [me]);
    expect(ids(await search(q(w), me.token))).toEqual([mention.id]);

    expect((await call("POST", `/api/v1/statuses/${faved.id}/favourite`, me.token)).status).toBe(200);
    expect((await call("POST", `/api/v1/statuses/${marked.id}/bookmark`, me.token)).status).toBe(200);
    const found = await search(q(w), me.token);
    expect(ids(found)).toEqual([mention.id, marked.id, faved.id]);
    expect(found.statuses.find((s: any) => s.id === faved.id)).toMatchObject({ favourited: true });
    expect(ids(found)).not.toContain(hidden.id);

    // Clearing notifications does not forget mentions; unfavouriting forgets the favourite.
    expect((await call("POST", "/api/v1/notifications/clear", me.token)).status).toBe(200);
    expect((await call("POST", `/api/v1/statuses/${faved.id}/unfavourite`, me.token)).status).toBe(200);
    expect(ids(await search(q(w), me.token))).toEqual([mention.id, marked.id]);
  });

  it("respects blocks both ways and mutes", async () => {
    const [me, blocked, blocker, muted] = await users("srme", "srblocked", "srblocker", "srmuted");
    const w = word();
    const a = await publish(blocked, { status: `${w} from blocked` });
    const b = await publish(blocker, { status: `${w} from blocker` });
    const c = await publish(muted, { status: `${w} from muted` });
    expect(ids(await search(q(w), me.token))).toEqual([c.id, b.id, a.id]);
    expect((await call("POST", `/api/v1/accounts/${blocked.id}/block`, me.token)).status).toBe(200);
    expect((await call("POST", `/api/v1/accounts/${me.id}/block`, blocker.token)).status).toBe(200);
    expect((await call("POST", `/api/v1/accounts/${muted.id}/mute`, me.token)).status).toBe(200);
    expect(ids(await search(q(w), me.token))).toEqual([]);
    // Accounts too.
    const accounts = await search(q(blocked.username, "&type=accounts"), me.token);
    expect(accounts.accounts.map((x: any) => x.id)).not.toContain(blocked.id);
  });

  it("follows edits and deletes, in the author's index and the public one", async () => {
    const [author, reader] = await users("sredit", "srreader");
    const before = word();
    const after = word();
    const status = await publish(author, { status: `${before} text` });
    expect(ids(await search(q(before), reader.token))).toEqual([status.id]);
    const edited = await call("PUT", `/api/v1/statuses/${status.id}`, author.token, { status: `${after} text` });
    expect(edited.status).toBe(200);
    await settle([author]);
    for (const token of [author.token, reader.token]) {
      expect(ids(await search(q(before), token))).toEqual([]);
      expect(ids(await search(q(after), token))).toEqual([status.id]);
    }
    expect((await call("DELETE", `/api/v1/statuses/${status.id}`, author.token)).status).toBe(200);
    await settle([author]);
    for (const token of [author.token, reader.token]) expect(ids(await search(q(after), token))).toEqual([]);
  });

  it("indexes public replies to others, and leaves the public index when indexable is turned off", async () => {
    const [author, other, reader] = await users("srreply", "srother", "srreader");
    const w = word();
    const root = await publish(other, { status: "root" });
    const reply = await publish(author, { status: `@${other.username} ${w} reply`, in_reply_to_id: root.id });
    expect(ids(await search(q(w), reader.token))).toEqual([reply.id]);
    expect((await call("PATCH", "/api/v1/accounts/update_credentials", author.token, { indexable: false })).status).toBe(200);
    await settle([author]);
    expect(ids(await search(q(w), reader.token))).toEqual([]);
    // The author still finds their own post.
    expect(ids(await search(q(w), author.token))).toEqual([reply.id]);
  });

  it("supports phrases, exclusions, from:, account_id, in:, is:, has:, language: and dates", async () => {
    const [me, other] = await users("srops", "srops2");
    const w = word();
    const mine = await publish(me, { status: `${w} alpha beta`, language: "de" });
    const theirs = await publish(other, { status: `${w} beta alpha`, spoiler_text: "cw" });
    const poll = await publish(other, { status: `${w} poll`, poll: { options: ["a", "b"], expires_in: 3600 } });
    const reply = await publish(other, { status: `${w} reply`, in_reply_to_id: theirs.id });
    const all = [reply.id, poll.id, theirs.id, mine.id];
    expect(ids(await search(q(w), me.token))).toEqual(all);
    expect(ids(await search(q(`"alpha beta" ${w}`), me.token))).toEqual([mine.id]);
    expect(ids(await search(q(`${w} -alpha`), me.token))).toEqual([reply.id, poll.id]);
    expect(ids(await search(q(`${w} -"beta alpha"`), me.token))).toEqual([reply.id, poll.id, mine.id]);
    expect(ids(await search(q(`${w} from:me`), me.token))).toEqual([mine.id]);
    expect(ids(await search(q(`${w} from:${other.username}`), me.token))).toEqual([reply.id, poll.id, theirs.id]);
    expect(ids(await search(q(`${w} from:@${other.username}@pronghorn.test`), me.token))).toEqual([reply.id, poll.id, theirs.id]);
    expect(ids(await search(q(`${w} from:nobody_here_at_all`), me.token))).toEqual([]);
    expect(ids(await search(q(w, `&account_id=${other.id}`), me.token))).toEqual([reply.id, poll.id, theirs.id]);
    expect(ids(await search(q(`${w} from:me`, `&account_id=${other.id}`), me.token))).toEqual([]);
    expect(ids(await search(q(`${w} in:library`), me.token))).toEqual([mine.id]);
    expect(ids(await search(q(`${w} in:public`), me.token))).toEqual(all);
    expect(ids(await search(q(`${w} is:reply`), me.token))).toEqual([reply.id]);
    expect(ids(await search(q(`${w} -is:reply`), me.token))).toEqual([poll.id, theirs.id, mine.id]);
    expect(ids(await search(q(`${w} is:sensitive`), me.token))).toEqual([theirs.id]);
    expect(ids(await search(q(`${w} has:poll`), me.token))).toEqual([poll.id]);
    expect(ids(await search(q(`${w} language:de`), me.token))).toEqual([mine.id]);
    expect(ids(await search(q(`${w} before:2000-01-01`), me.token))).toEqual([]);
    expect(ids(await search(q(`${w} after:2000-01-01`), me.token))).toEqual(all);
    const today = new Date().toISOString().slice(0, 10);
    expect(ids(await search(q(`${w} during:${today}`), me.token))).toEqual(all);
    // Poll options are searchable.
    const option = word("opt");
    const withOption = await publish(other, { status: `${w} vote`, poll: { options: [option, "no"], expires_in: 3600 } });
    expect(ids(await search(q(option), me.token))).toEqual([withOption.id]);
  });

  it("pages with limit, max_id, min_id and offset", async () => {
    const [author, reader] = await users("srpage", "srpager");
    const w = word();
    const posts = [];
    for (let i = 0; i < 4; i++) posts.push(await publish(author, { status: `${w} number ${i}` }));
    const newest = posts.map((p) => p.id).reverse();
    expect(ids(await search(q(w, "&limit=2"), reader.token))).toEqual(newest.slice(0, 2));
    expect(ids(await search(q(w, `&limit=2&max_id=${newest[1]}`), reader.token))).toEqual(newest.slice(2, 4));
    expect(ids(await search(q(w, `&limit=2&min_id=${newest[3]}`), reader.token))).toEqual(newest.slice(1, 3));
    expect(ids(await search(q(w, "&type=statuses&limit=2&offset=1"), reader.token))).toEqual(newest.slice(1, 3));
    // Without `type`, offset is ignored (Mastodon).
    expect(ids(await search(q(w, "&limit=2&offset=2"), reader.token))).toEqual(newest.slice(0, 2));
    // The author's own index and the public index are merged without duplicates.
    expect(ids(await search(q(w, "&type=statuses&limit=3&offset=1"), author.token))).toEqual(newest.slice(1, 4));
  });

  it("resolves this instance's status and account URLs with resolve=true", async () => {
    const [author, reader] = await users("srurl", "srurlreader");
    const status = await publish(author, { status: "find me by url" });
    const hidden = await publish(author, { status: "not for you", visibility: "private" });
    const byUrl = await search(q(status.url, "&resolve=true"), reader.token);
    expect(ids(byUrl)).toEqual([status.id]);
    expect(ids(await search(q(status.uri, "&resolve=true"), reader.token))).toEqual([status.id]);
    expect(ids(await search(q(hidden.url, "&resolve=true"), reader.token))).toEqual([]);
    const account = await search(q(`https://pronghorn.test/@${author.username}`, "&resolve=true"), reader.token);
    expect(account.accounts.map((a: any) => a.id)).toEqual([author.id]);
    // Other hosts need federation: nothing, no error.
    expect(await search(q("https://elsewhere.example/@someone/1", "&resolve=true"), reader.token)).toMatchObject({ accounts: [], statuses: [] });
  });
});

describe("GET /api/v2/search: accounts and hashtags", () => {
  it("finds accounts through the directory and hashtags by prefix with their history", async () => {
    const [me, poster, other] = await users("srtagme", "srtagger", "srtag2");
    const base = word("tg").toLowerCase();
    await publish(poster, { status: `#${base} and #${base}long` });
    await publish(other, { status: `#${base}` });
    await publish(poster, { status: `private #${base}private`, visibility: "private" });
    const found = await search(q(`#${base}`, "&type=hashtags"), me.token);
    expect(found.hashtags.map((t: any) => t.name)).toEqual([base, `${base}long`]);
    expect(found.accounts).toEqual([]);
    expect(found.statuses).toEqual([]);
    const [tag] = found.hashtags;
    expect(tag).toMatchObject({ id: tagId(base), url: `https://pronghorn.test/tags/${base}`, following: false });
    expect(tag.history).toHaveLength(7);
    expect(tag.history[0]).toMatchObject({ uses: "2", accounts: "2" });
    expect(tag.history[1]).toMatchObject({ uses: "0", accounts: "0" });
    // Prefix without '#', upper case; a followed tag says so.
    expect((await call("POST", `/api/v1/tags/${base}long/follow`, me.token)).status).toBe(200);
    const prefix = await search(q(base.slice(0, -1).toUpperCase()), me.token);
    expect(prefix.hashtags.map((t: any) => [t.name, t.following])).toEqual([
      [base, false],
      [`${base}long`, true],
    ]);
    expect((await search(q(base, "&type=hashtags&limit=1&offset=1"), me.token)).hashtags.map((t: any) => t.name)).toEqual([`${base}long`]);
    // GET /api/v1/tags/:name shows the same history.
    const show = await get(`/api/v1/tags/${base}`);
    expect(show.status).toBe(200);
    expect(show.body.history[0]).toMatchObject({ uses: "2", accounts: "2" });

    const accounts = await search(q(poster.username, "&type=accounts"), me.token);
    expect(accounts.accounts.map((a: any) => a.id)).toEqual([poster.id]);
    expect((await search(q(`@${poster.username}@pronghorn.test`), me.token)).accounts.map((a: any) => a.id)).toEqual([poster.id]);
    expect((await search(q(poster.username, "&type=accounts&following=true"), me.token)).accounts).toEqual([]);
  });

  it("answers anonymous callers and app tokens with accounts and hashtags only", async () => {
    const [poster] = await users("sranon");
    const w = word("an").toLowerCase();
    await publish(poster, { status: `${w} #${w}` });
    const anonymous = await search(q(w));
    expect(anonymous.statuses).toEqual([]);
    expect(anonymous.hashtags.map((t: any) => t.name)).toEqual([w]);
    expect(anonymous.hashtags[0]).not.toHaveProperty("following");
    expect((await search(q(poster.username))).accounts.map((a: any) => a.id)).toEqual([poster.id]);
    const app = await createAppToken(["read"]);
    expect((await search(q(w), app.token)).statuses).toEqual([]);
    // Mastodon: paging and resolving need a signed-in user.
    await search(q(w, "&offset=0&type=hashtags"), undefined, 401);
    await search(q(w, "&resolve=true"), undefined, 401);
    await search(q(w, "&resolve=true"), app.token, 401);
  });
});

describe("GET /api/v2/search: bad input", () => {
  it("answers 400 without q, 422 for invalid parameters, 401/403 for bad tokens", async () => {
    const [me] = await users("srbad");
    expect((await search("", me.token, 400)).error).toMatch(/q/);
    await search("q=%20%20", me.token, 400);
    expect((await search(q("x", "&type=people"), me.token, 422)).error).toMatch(/Type/i);
    expect((await search(q("x", "&account_id=abc"), me.token, 422)).error).toMatch(/Account/i);
    expect((await search(q("x", "&limit=abc"), me.token, 422)).error).toMatch(/Limit/i);
    expect((await search(q("x", "&offset=-1&type=statuses"), me.token, 422)).error).toMatch(/Offset/i);
    expect((await search(q("x", "&max_id=12ab"), me.token, 422)).error).toMatch(/Max/i);
    await search(q("x"), "u1.bogusbogusbogusbogusbogusbogusbogusbogus", 401);
    const writeOnly = await issueToken(me.id, ["write"]);
    await search(q("x"), writeOnly, 403);
    const searchOnly = await issueToken(me.id, ["read:search"]);
    await search(q("x"), searchOnly);
    // Queries that cannot match anything: empty results, not errors.
    expect(await search(q('!!! "" -'), me.token)).toEqual({ accounts: [], statuses: [], hashtags: [] });
    expect((await search(q(`-${word()}`, "&type=statuses"), me.token)).statuses).toEqual([]);
    // FTS5 syntax in the query is just text.
    for (const text of ['AND OR NOT NEAR( * ^ "', 'say "hi', "a\"b c:d x* {body}: -"]) {
      expect((await search(q(text, "&type=statuses"), me.token)).statuses).toEqual([]);
    }
  });
});

describe("search index migration", () => {
  it("indexes what an account already held: own statuses, favourites, bookmarks and mentions", async () => {
    const stub = env.ACCOUNT.get(env.ACCOUNT.newUniqueId());
    await runInDurableObject(stub, async (_instance: AccountObject, state) => {
      const sql = state.storage.sql;
      for (const name of sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray()) {
        sql.exec(`DROP TABLE IF EXISTS "${name.name}"`);
      }
      const before = ACCOUNT_MIGRATIONS.indexOf(searchSchema);
      expect(before).toBeGreaterThan(0);
      migrate(state.storage, ACCOUNT_MIGRATIONS.slice(0, before));
      const record = (id: string, text: string) =>
        JSON.stringify({ id, account: { id: "7" }, content: `<p>${text}</p>`, spoiler_text: "", poll: null, reblog: null, tags: [], mentions: [], in_reply_to_id: null, sensitive: false, language: "en" });
      sql.exec(
        "INSERT INTO statuses (id, snapshot, visibility, conversation_id, created_at) VALUES ('101', ?, 'public', '101', '2026-01-01T00:00:00.000Z')",
        record("101", "legacy own"),
      );
      sql.exec("INSERT INTO favourites (status_id, id, author_id, snapshot) VALUES ('102', '1', '7', ?)", record("102", "legacy favourite"));
      sql.exec("INSERT INTO bookmarks (status_id, id, author_id, snapshot) VALUES ('103', '2', '7', ?)", record("103", "legacy bookmark"));
      sql.exec(
        "INSERT INTO notifications (id, type, from_account_id, from_snapshot, status_id, status_snapshot, group_key, created_at) VALUES ('3', 'mention', '7', '{}', '104', ?, 'x', '2026-01-01T00:00:00.000Z')",
        record("104", "legacy mention"),
      );
      migrate(state.storage, ACCOUNT_MIGRATIONS);
      flushSearchIndex(sql);
      expect(findStatusIds(sql, { match: '"legacy"', exclude: null, ascending: false }, 10)).toEqual(["104", "103", "102", "101"]);
      expect(findStatusIds(sql, { match: '"legacy"', exclude: '"mention"', ascending: true }, 10)).toEqual(["101", "102", "103"]);
      // The paragraph markup was not indexed.
      expect(findStatusIds(sql, { match: '"p"', exclude: null, ascending: false }, 10)).toEqual([]);
    });
  });
});
