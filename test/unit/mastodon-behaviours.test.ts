import { describe, expect, it } from "vitest";
import { api, BASE, bearer, createAppToken, jsonBody, uniqueName } from "./helpers";
import { MAX_BODY_BYTES, parseParams } from "../../worker/http/body";
import { expectSchema } from "./openapi";
import { expectError, getJson, inObject, newUser, notificationsOf, post, runJobs, send } from "./status-helpers";
import { follow, settle } from "./timelines-helpers";

describe("action responses carry the viewer's flags, as Mastodon's", () => {
  it("a boost answers reblogged: true on itself and on the boosted status", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const s = await post(alice, { status: "boost me" });
    await send("POST", `/api/v1/statuses/${s.id}/favourite`, bob.token);
    const boost = await send("POST", `/api/v1/statuses/${s.id}/reblog`, bob.token);
    expect(boost.status).toBe(200);
    expectSchema(boost.body, "Status");
    expect(boost.body.reblog.id).toBe(s.id);
    expect(boost.body.reblogged).toBe(true);
    expect(boost.body.favourited).toBe(true);
    expect(boost.body.bookmarked).toBe(false);
    expect(boost.body.reblog.reblogged).toBe(true);
    // Asking again returns the same boost, flagged the same way.
    const again = await send("POST", `/api/v1/statuses/${s.id}/reblog`, bob.token);
    expect(again.body).toMatchObject({ id: boost.body.id, reblogged: true, reblog: { reblogged: true } });
  });

  it("every action's answer shows its own effect", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const s = await post(alice, { status: "act on me" });
    const mine = await post(bob, { status: "pin me" });
    const act = async (id: string, action: string) => {
      const res = await send("POST", `/api/v1/statuses/${id}/${action}`, bob.token);
      expect(res.status).toBe(200);
      expectSchema(res.body, "Status");
      return res.body;
    };
    expect((await act(s.id, "favourite")).favourited).toBe(true);
    expect((await act(s.id, "bookmark")).bookmarked).toBe(true);
    expect((await act(s.id, "mute")).muted).toBe(true);
    expect((await act(mine.id, "pin")).pinned).toBe(true);
    expect((await act(s.id, "unfavourite")).favourited).toBe(false);
    expect((await act(s.id, "unbookmark")).bookmarked).toBe(false);
    expect((await act(s.id, "unmute")).muted).toBe(false);
    expect((await act(mine.id, "unpin")).pinned).toBe(false);
    const unboosted = await act(s.id, "unreblog");
    expect(unboosted.reblogged).toBe(false);
  });
});

describe("reblogged_by", () => {
  it("lists public and unlisted boosts only", async () => {
    const alice = await newUser("alice");
    const [pub, unl, priv] = [await newUser("pub"), await newUser("unl"), await newUser("priv")];
    const s = await post(alice, { status: "boost me three ways" });
    await send("POST", `/api/v1/statuses/${s.id}/reblog`, pub.token, { visibility: "public" });
    await send("POST", `/api/v1/statuses/${s.id}/reblog`, unl.token, { visibility: "unlisted" });
    const privately = await send("POST", `/api/v1/statuses/${s.id}/reblog`, priv.token, { visibility: "private" });
    expect(privately.body.visibility).toBe("private");
    const by = await getJson(`/api/v1/statuses/${s.id}/reblogged_by`);
    expect(by.status).toBe(200);
    expect(by.body.map((a: any) => a.id).sort()).toEqual([pub.id, unl.id].sort());
    expectSchema(by.body[0], "Account");
    // The private boost still counts.
    expect((await getJson(`/api/v1/statuses/${s.id}`)).body.reblogs_count).toBe(3);
  });

  it("leaves out an author's boost of their own private status", async () => {
    const alice = await newUser("alice");
    const s = await post(alice, { status: "followers only", visibility: "private" });
    expect((await send("POST", `/api/v1/statuses/${s.id}/reblog`, alice.token)).status).toBe(200);
    const by = await getJson(`/api/v1/statuses/${s.id}/reblogged_by`, alice.token);
    expect(by.status).toBe(200);
    expect(by.body).toEqual([]);
  });
});

/** Moves a poll's end (and its queued expiry job) into the past, then runs the job. */
async function endPoll(authorId: string, statusId: string): Promise<void> {
  const past = new Date(Date.now() - 1000).toISOString();
  await inObject(authorId, (o) => {
    o.sql.exec("UPDATE statuses SET snapshot = json_set(snapshot, '$.poll.expires_at', ?) WHERE id = ?", past, statusId);
    o.sql.exec("UPDATE outbox SET payload = json_set(payload, '$.expires_at', ?) WHERE kind = 'poll.expire' AND json_extract(payload, '$.id') = ?", past, statusId);
  });
  await runJobs(authorId, 1);
}

describe("deleting a status removes its notifications everywhere", () => {
  it("reaches a former follower's status notification and a voter's poll notification", async () => {
    const author = await newUser("author");
    const fan = await newUser("fan");
    const voter = await newUser("voter");
    await follow(fan, author, { notify: true });
    const s = await post(author, { status: "ring the bell" });
    await settle([author, fan]);
    expect((await notificationsOf(fan.id)).map((n) => n.type)).toEqual(["status"]);
    expect((await send("POST", `/api/v1/accounts/${author.id}/unfollow`, fan.token)).status).toBe(200);
    await settle([author, fan]);
    expect((await notificationsOf(fan.id)).map((n) => n.type)).toEqual(["status"]);

    const poll = await post(author, { status: "vote", poll: { options: ["a", "b"], expires_in: 3600 } });
    expect((await send("POST", `/api/v1/polls/${poll.id}/votes`, voter.token, { choices: [0] })).status).toBe(200);
    await endPoll(author.id, poll.id);
    await settle([author, voter]);
    expect((await notificationsOf(voter.id)).map((n) => n.type)).toEqual(["poll"]);

    for (const id of [s.id, poll.id]) expect((await send("DELETE", `/api/v1/statuses/${id}`, author.token)).status).toBe(200);
    await settle([author, fan, voter]);
    expect(await notificationsOf(fan.id)).toEqual([]);
    expect(await notificationsOf(voter.id)).toEqual([]);
  });
});

describe("a GET's parameters sent as a JSON body", () => {
  // A Request with a GET body cannot be built here (fetch refuses it); one arriving over HTTP
  // can carry it, which is what the parser sees. The stand-in has what the parser reads.
  const getWith = (type: string, body: string) =>
    ({ method: "GET", headers: new Headers({ "content-type": type }), body: new Response(body).body }) as unknown as Request;
  const url = new URL(`${BASE}/api/v1/timelines/home?limit=5&local=true`);

  it("are read, as Rails reads them, and win over the query", async () => {
    expect(await parseParams(getWith("application/json", JSON.stringify({ limit: 1, types: ["mention"] })), url)).toEqual({
      limit: 1,
      local: "true",
      types: ["mention"],
    });
  });

  it("a GET's other bodies are ignored, malformed JSON is a 400, the size limit holds", async () => {
    expect(await parseParams(getWith("application/x-www-form-urlencoded", "limit=1"), url)).toEqual({ limit: "5", local: "true" });
    await expect(parseParams(getWith("application/json", "{limit"), url)).rejects.toMatchObject({ status: 400 });
    await expect(parseParams(getWith("application/json", JSON.stringify({ q: "x".repeat(MAX_BODY_BYTES) })), url)).rejects.toMatchObject({ status: 413 });
  });
});

describe("profile and registration validation, as Mastodon's", () => {
  it("ignores fields_attributes entries that are not objects", async () => {
    const user = await newUser("fields");
    for (const fields of [["undefined", { name: "Web", value: "x" }], { "0": "undefined", "1": { name: "Web", value: "x" } }]) {
      const res = await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { fields_attributes: fields }, user.token));
      expect(res.status, await res.clone().text()).toBe(200);
      const body = (await res.json()) as any;
      expectSchema(body, "CredentialAccount");
      expect(body.fields.map((f: any) => f.name)).toEqual(["Web"]);
    }
    const form = await api("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      headers: bearer(user.token, { "content-type": "application/x-www-form-urlencoded" }),
      body: "fields_attributes[]=undefined&display_name=Still",
    });
    expect(form.status, await form.clone().text()).toBe(200);
    expect(((await form.json()) as any).display_name).toBe("Still");
  });

  it("lists only the fields that failed, one code for a blank one; accepts dotless e-mail hosts", async () => {
    const app = await createAppToken();
    const register = (body: Record<string, unknown>) => api("/api/v1/accounts", jsonBody("POST", body, app.token));
    const blank = await register({ username: "", email: "", password: "", agreement: true });
    expect(blank.status).toBe(422);
    const json = (await blank.json()) as any;
    expectSchema(json, "ValidationError");
    expect(json.details).toEqual({
      username: [{ error: "ERR_BLANK", description: "can't be blank" }],
      email: [{ error: "ERR_BLANK", description: "can't be blank" }],
      password: [{ error: "ERR_BLANK", description: "can't be blank" }],
    });
    const one = await register({ username: uniqueName("okname"), email: "a@b..c", password: "longenough", agreement: true });
    expect(((await one.json()) as any).details).toEqual({ email: [{ error: "ERR_INVALID", description: "is invalid" }] });
    const dotless = await register({ username: uniqueName("dotless"), email: `${uniqueName("me")}@localhost`, password: "longenough", agreement: true });
    expect(dotless.status, await dotless.clone().text()).toBe(200);
  });
});

describe("validation messages in the request's language", () => {
  const register = async (query: string, headers: Record<string, string>) => {
    const app = await createAppToken();
    return api(`/api/v1/accounts${query}`, {
      method: "POST",
      headers: bearer(app.token, { "content-type": "application/json", ...headers }),
      body: JSON.stringify({ username: "", email: "me@example.com", password: "short", agreement: true }),
    });
  };

  it("follows lang, then Accept-Language; codes never change; English otherwise", async () => {
    const german = await register("?lang=de", { "accept-language": "fr" });
    expect(german.status).toBe(422);
    const de = (await german.json()) as any;
    expectSchema(de, "ValidationError");
    expect(de.error).toBe("Gültigkeitsprüfung ist fehlgeschlagen: Username muss ausgefüllt werden, Password ist zu kurz (weniger als 8 Zeichen)");
    expect(de.details).toEqual({
      username: [{ error: "ERR_BLANK", description: "muss ausgefüllt werden" }],
      password: [{ error: "ERR_TOO_SHORT", description: "ist zu kurz (weniger als 8 Zeichen)" }],
    });
    const preferred = (await (await register("", { "accept-language": "xx, fr-CA;q=0.8, es;q=0.9" })).json()) as any;
    expect(preferred.error).toMatch(/^La validación falló: /);
    const fallback = (await (await register("?lang=zz", { "accept-language": "tlh" })).json()) as any;
    expect(fallback.error).toBe("Validation failed: Username can't be blank, Password is too short (minimum is 8 characters)");
    // Messages Mastodon does not translate stay English.
    const notFound = await api("/api/v1/statuses/1?lang=de");
    expect(await notFound.json()).toEqual({ error: "Record not found" });
  });

  it("translates the prefix of a message without details", async () => {
    const alice = await newUser("alice");
    const s = await post(alice, { status: "vote", poll: { options: ["a", "b"], expires_in: 3600 } });
    const res = await api(`/api/v1/polls/${s.id}/votes?lang=fr`, jsonBody("POST", { choices: [0] }, alice.token));
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).error).toMatch(/^La validation a échoué : /);
  });
});

describe("allowed_mentions on POST /api/v1/statuses", () => {
  it("refuses a post that would mention anyone not listed, naming them", async () => {
    const [alice, bob, carol] = [await newUser("alice"), await newUser("bob"), await newUser("carol")];
    const text = `hi @${bob.username} and @${carol.username}`;
    const refused = await send("POST", "/api/v1/statuses", alice.token, { status: text, allowed_mentions: [bob.id] });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe("Post would be sent to unexpected accounts");
    expect(refused.body.unexpected_accounts.map((a: any) => a.id)).toEqual([carol.id]);
    expectSchema(refused.body.unexpected_accounts[0], "Account");
    expect((await getJson(`/api/v1/accounts/${alice.id}/statuses`)).body).toEqual([]);

    const form = await api("/api/v1/statuses", {
      method: "POST",
      headers: bearer(alice.token, { "content-type": "application/x-www-form-urlencoded" }),
      body: `status=${encodeURIComponent(text)}&allowed_mentions[]=${bob.id}&allowed_mentions[]=${carol.id}`,
    });
    expect(form.status, await form.clone().text()).toBe(200);
    expectSchema(await form.json(), "Status");
    // An empty list allows no mention; a post without mentions passes.
    expect((await send("POST", "/api/v1/statuses", alice.token, { status: `@${bob.username}`, allowed_mentions: [] })).status).toBe(422);
    expect((await send("POST", "/api/v1/statuses", alice.token, { status: "nobody", allowed_mentions: [] })).status).toBe(200);
    // A single value is a list of one; a value that names nobody allows nobody.
    expect((await send("POST", "/api/v1/statuses", alice.token, { status: `@${bob.username}`, allowed_mentions: bob.id })).status).toBe(200);
    expect((await send("POST", "/api/v1/statuses", alice.token, { status: `@${bob.username}`, allowed_mentions: "nope" })).status).toBe(422);
    expect((await send("POST", "/api/v1/statuses", alice.token, { status: "x", allowed_mentions: { a: { b: 1 } } })).status).toBe(422);
  });
});

describe("small endpoints", () => {
  it("GET /health and HEAD /", async () => {
    const health = await api("/health");
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("OK");
    const head = await api("/", { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("announcements: an empty list; dismissing or reacting to one that does not exist is a 404", async () => {
    const alice = await newUser("alice");
    const list = await getJson("/api/v1/announcements", alice.token);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([]);
    expectError(await getJson("/api/v1/announcements"), 401);
    expectError(await send("POST", "/api/v1/announcements/1/dismiss", alice.token), 404);
    expectError(await send("PUT", "/api/v1/announcements/1/reactions/%F0%9F%91%8D", alice.token), 404);
    expectError(await send("DELETE", "/api/v1/announcements/1/reactions/x", alice.token), 404);
  });

  it("e-mail confirmations: nothing to resend, the address counts as confirmed", async () => {
    const alice = await newUser("alice");
    expectError(await send("POST", "/api/v1/emails/confirmations", alice.token), 403, /awaiting confirmation/);
    expect((await getJson("/api/v1/emails/check_confirmation", alice.token)).body).toBe(true);
    expectError(await send("POST", "/api/v1/emails/confirmations", null), 401);
  });
});
