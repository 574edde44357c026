import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { accountStub, deliveryStub } from "../../core/stubs";
import { AS_PUBLIC } from "../../lib/federation/context";
import { api, jsonBody, type TestUser } from "./helpers";
import { uninstallFakeNetwork, type PeerActor } from "./federation-peer";
import { expectSchema } from "./openapi";
import { follow, inObject, runJobs } from "./status-helpers";
import {
  activityOf,
  createOf,
  deliver,
  drain,
  getJson,
  localActor,
  localStatusUri,
  localUser,
  noteOf,
  notificationsOf,
  rand,
  remoteId,
  remoteServer,
  type Remote,
} from "./federation-handlers-helpers";

/**
 * Quote posts across servers (FEP-044f) against a fake peer: our notes carry the quote and the
 * policy, our stamps are served, remote QuoteRequests are answered by policy, remote quotes are
 * shown pending until authorized, and our quotes of remote statuses ask first.
 */

const AS2 = { headers: { accept: "application/activity+json" } };
let remote: Remote;
let rita: PeerActor;

beforeAll(async () => {
  remote = remoteServer("quotes");
  rita = await remote.actor("rita");
  await api("/api/v1/instance");
});
afterAll(() => uninstallFakeNetwork());

async function postStatus(user: TestUser, body: Record<string, unknown>): Promise<any> {
  const res = await api("/api/v1/statuses", jsonBody("POST", body, user.token));
  const json: any = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

async function as2(url: string): Promise<{ status: number; body: any }> {
  const res = await api(new URL(url).pathname, AS2);
  return { status: res.status, body: res.status === 200 ? await res.json() : null };
}

/** Activities our server POSTed to the peer, after running `user`'s jobs and the peer's delivery queue. */
async function sentTo(user: TestUser, check: (a: any) => boolean): Promise<any> {
  for (let i = 0; i < 40; i++) {
    await runDurableObjectAlarm(accountStub(env, user.id));
    await runDurableObjectAlarm(deliveryStub(env, remote.peer.host));
    const found = remote.peer
      .received((r) => r.method === "POST")
      .map((r) => JSON.parse(new TextDecoder().decode(r.body)))
      .filter(check);
    if (found.length) return found[found.length - 1];
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("no matching delivery arrived");
}

describe("our notes and stamps", () => {
  it("carry quote, quoteUri, _misskey_quote, the stamp and canQuote; the stamp is served", async () => {
    const alice = await localUser("qfalice");
    const bob = await localUser("qfbob");
    const original = await postStatus(alice, { status: "quotable", quote_approval_policy: "followers" });
    await follow(bob, alice);
    const q = await postStatus(bob, { status: "quoting", quoted_status_id: original.id });
    expect(q.quote.state).toBe("accepted");
    await runJobs(bob.id);

    const quotedUri = localStatusUri(alice, original.id);
    const note = await as2(localStatusUri(bob, q.id));
    expect(note.status).toBe(200);
    expect(note.body.quote).toBe(quotedUri);
    expect(note.body.quoteUri).toBe(quotedUri);
    expect(note.body._misskey_quote).toBe(quotedUri);
    expect(note.body.quoteAuthorization).toBe(`${quotedUri}/quotes/${q.id}`);
    expect(note.body["@context"][2].quote).toBeDefined();
    const policy = (await as2(quotedUri)).body.interactionPolicy.canQuote;
    expect(policy.automaticApproval).toEqual([`${localActor(alice)}/followers`, localActor(alice)]);

    const stamp = await as2(note.body.quoteAuthorization);
    expect(stamp.status).toBe(200);
    expect(stamp.body).toMatchObject({
      type: "QuoteAuthorization",
      id: note.body.quoteAuthorization,
      attributedTo: localActor(alice),
      interactingObject: localStatusUri(bob, q.id),
      interactionTarget: quotedUri,
    });
    expect((await as2(`${quotedUri}/quotes/12345`)).status).toBe(404);
  });
});

describe("a remote account quoting us", () => {
  it("answers a QuoteRequest by policy, accepts the stamped note, notifies and revokes with a Delete", async () => {
    const alice = await localUser("qfalice");
    const open = await postStatus(alice, { status: "anyone may quote", quote_approval_policy: "public" });
    const closed = await postStatus(alice, { status: "nobody may quote", quote_approval_policy: "nobody" });
    const quotedUri = localStatusUri(alice, open.id);
    const noteId = `${rita.uri}/statuses/${rand()}`;

    const request = activityOf(rita, "QuoteRequest", quotedUri, { instrument: noteId });
    expect(await deliver(request, rita)).toMatchObject({ state: "done", outcome: "handled" });
    const accept = await sentTo(alice, (a) => a.type === "Accept" && a.object?.id === request.id);
    expect(accept.object).toMatchObject({ type: "QuoteRequest", object: quotedUri, instrument: noteId });
    const stampDoc = await as2(accept.result);
    expect(stampDoc.body).toMatchObject({ type: "QuoteAuthorization", interactingObject: noteId, interactionTarget: quotedUri });

    const refused = activityOf(rita, "QuoteRequest", localStatusUri(alice, closed.id), { instrument: `${rita.uri}/statuses/${rand()}` });
    await deliver(refused, rita);
    const reject = await sentTo(alice, (a) => a.type === "Reject" && a.object?.id === refused.id);
    expect(reject.actor).toBe(localActor(alice));

    const note = noteOf(rita, { id: noteId, content: "<p>so true</p>", extra: { quote: quotedUri, quoteAuthorization: accept.result } });
    await deliver(createOf(rita, note), rita);
    await runJobs(alice.id);
    const quotes = await getJson(`/api/v1/statuses/${open.id}/quotes`, alice.token);
    expect(quotes.body.map((s: any) => s.uri)).toEqual([noteId]);
    const theirs = quotes.body[0];
    expect(theirs.quote.state).toBe("accepted");
    expect(theirs.quote.quoted_status.id).toBe(open.id);
    expectSchema(theirs, "Status");
    expect((await getJson(`/api/v1/statuses/${open.id}`, alice.token)).body.quotes_count).toBe(1);
    const notes = await notificationsOf(alice, "quote");
    expect(notes.map((n) => n.status.uri)).toEqual([noteId]);

    const revoked = await api(`/api/v1/statuses/${open.id}/quotes/${theirs.id}/revoke`, { method: "POST", headers: { authorization: `Bearer ${alice.token}` } });
    expect(revoked.status).toBe(200);
    const del = await sentTo(alice, (a) => a.type === "Delete" && a.object?.type === "QuoteAuthorization");
    expect(del.object).toMatchObject({ id: accept.result, interactingObject: noteId });
    expect((await as2(accept.result)).status).toBe(404);
    expect((await getJson(`/api/v1/statuses/${open.id}`, alice.token)).body.quotes_count).toBe(0);
    await drain(rita.uri);
    expect((await getJson(`/api/v1/statuses/${theirs.id}`, alice.token)).body.quote).toEqual({ state: "revoked", quoted_status: null });
  });

  it("shows an unstamped or legacy quote of our status as pending, listed only to the author", async () => {
    const alice = await localUser("qfalice");
    const bob = await localUser("qfbob");
    const original = await postStatus(alice, { status: "quote without asking" });
    const quotedUri = localStatusUri(alice, original.id);
    const legacy = noteOf(rita, { extra: { _misskey_quote: quotedUri, quoteUri: quotedUri } });
    await deliver(createOf(rita, legacy), rita);
    const asAuthor = await getJson(`/api/v1/statuses/${original.id}/quotes`, alice.token);
    expect(asAuthor.body.map((s: any) => s.uri)).toEqual([legacy.id]);
    expect(asAuthor.body[0].quote).toEqual({ state: "pending", quoted_status: null });
    expect((await getJson(`/api/v1/statuses/${original.id}/quotes`, bob.token)).body).toEqual([]);
    expect((await getJson(`/api/v1/statuses/${original.id}`, alice.token)).body.quotes_count).toBe(0);
    expect(await notificationsOf(alice, "quote")).toEqual([]);

    await deliver(activityOf(rita, "Delete", legacy.id), rita);
    expect((await getJson(`/api/v1/statuses/${original.id}/quotes`, alice.token)).body).toEqual([]);
    expect(await inObject(alice.id, (o) => o.sql.exec("SELECT count(*) AS n FROM status_quotes").one().n)).toBe(0);
  });
});

describe("quoting a remote status", () => {
  it("sends a QuoteRequest, stays pending, and stands on the Accept; a Delete of the stamp revokes it", async () => {
    const carol = await localUser("qfcarol");
    const theirs = noteOf(rita, { content: "<p>remote words</p>", extra: { interactionPolicy: { canQuote: { automaticApproval: [AS_PUBLIC] } } } });
    remote.peer.serveJson(new URL(theirs.id as string).pathname, { "@context": "https://www.w3.org/ns/activitystreams", ...theirs });
    await remoteId(rita);
    const found = await getJson(`/api/v2/search?q=${encodeURIComponent(theirs.id as string)}&resolve=true&type=statuses`, carol.token);
    expect(found.body.statuses).toHaveLength(1);
    const remoteStatus = found.body.statuses[0];
    expect(remoteStatus.quote_approval).toEqual({ automatic: ["public"], manual: [], current_user: "automatic" });

    const q = await postStatus(carol, { status: "quoting rita", quoted_status_id: remoteStatus.id });
    expect(q.quote.state).toBe("pending");
    expect(q.quote.quoted_status).toBeNull();
    const request = await sentTo(carol, (a) => a.type === "QuoteRequest");
    expect(request).toMatchObject({ actor: localActor(carol), object: theirs.id, instrument: localStatusUri(carol, q.id) });

    const stamp = `${rita.uri}/quote_authorizations/${rand()}`;
    await deliver(activityOf(rita, "Accept", request, { result: stamp }), rita);
    const accepted = await getJson(`/api/v1/statuses/${q.id}`, carol.token);
    expect(accepted.body.quote.state).toBe("accepted");
    expect(accepted.body.quote.quoted_status.id).toBe(remoteStatus.id);
    expect((await as2(localStatusUri(carol, q.id))).body.quoteAuthorization).toBe(stamp);

    const authorization = { id: stamp, type: "QuoteAuthorization", attributedTo: rita.uri, interactingObject: localStatusUri(carol, q.id), interactionTarget: theirs.id };
    await deliver(activityOf(rita, "Delete", authorization), rita);
    expect((await getJson(`/api/v1/statuses/${q.id}`, carol.token)).body.quote).toEqual({ state: "revoked", quoted_status: null });
  });

  it("refuses with 422 a remote status whose policy is nobody", async () => {
    const carol = await localUser("qfcarol");
    const theirs = noteOf(rita, { extra: { interactionPolicy: { canQuote: { automaticApproval: [rita.uri] } } } });
    remote.peer.serveJson(new URL(theirs.id as string).pathname, { "@context": "https://www.w3.org/ns/activitystreams", ...theirs });
    const found = await getJson(`/api/v2/search?q=${encodeURIComponent(theirs.id as string)}&resolve=true&type=statuses`, carol.token);
    const res = await api("/api/v1/statuses", jsonBody("POST", { status: "no", quoted_status_id: found.body.statuses[0].id }, carol.token));
    expect(res.status).toBe(422);
  });
});
