import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { signRequest as fedifySign, verifyRequest as fedifyVerify } from "@fedify/fedify/sig";
import { signCavage } from "../../lib/federation/http-signatures-cavage";
import { digestHeader } from "../../lib/federation/digest";
import { inboxHandlers, dispatchActivity, InboxHandlerRegistry, type InboxContext } from "../../objects/federation/handlers/registry";
import { type RemoteActorObject } from "../../objects/federation/remote-actor-object";
import type { InboxObject } from "../../objects/federation/inbox-object";
import { INBOX_SHARDS, inboxStub, remoteActorStub } from "../../core/stubs";
import { forgetDomainBlocks, isDomainBlocked } from "../../worker/federation/domain-blocks";
import { forgetCachedKeys } from "../../worker/federation/key-resolver";
import { BASE, DOMAIN, registerUser, uniqueName, type TestUser } from "./helpers";
import { as2, FakePeer, installFakeNetwork, peerHost, rsaKeyPair, spkiPem, uninstallFakeNetwork, type PeerActor } from "./federation-peer";
import { remoteActorById, resolveRemoteActor } from "../../objects/federation/remote-actors";

const ORIGIN = BASE;
let peer: FakePeer;
let alice: PeerActor;
let bob: PeerActor;
let local: TestUser;

const rand = () => crypto.getRandomValues(new Uint32Array(2)).join("");

function activity(actor: PeerActor, type: string, extra: Record<string, unknown> = {}) {
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${actor.uri}/activities/${rand()}`,
    type,
    actor: actor.uri,
    object: `${actor.uri}/statuses/${rand()}`,
    ...extra,
  };
}

interface SendOptions {
  spec?: "draft-cavage-http-signatures-12" | "rfc9421";
  signer?: { privateKey: CryptoKey; keyId: string };
  /** Body to send instead of the signed one (digest mismatch). */
  swapBody?: string;
}

/** POSTs `body` to our inbox, signed by Fedify (an independent implementation). */
async function send(path: string, body: unknown, actor: PeerActor, options: SendOptions = {}): Promise<Response> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const signer = options.signer ?? actor;
  const request = new Request(`${BASE}${path}`, { method: "POST", body: text, headers: { "content-type": "application/activity+json" } });
  const signed = await fedifySign(request, signer.privateKey, new URL(signer.keyId), { spec: options.spec });
  if (options.swapBody === undefined) return SELF.fetch(signed);
  return SELF.fetch(new Request(signed.url, { method: "POST", headers: signed.headers, body: options.swapBody }));
}

/** POSTs with our own cavage signer and a chosen Date (for time-window tests). */
async function sendWithDate(path: string, body: unknown, actor: PeerActor, date: Date): Promise<Response> {
  const text = JSON.stringify(body);
  const url = `${BASE}${path}`;
  const headers = new Headers({
    host: DOMAIN,
    date: date.toUTCString(),
    digest: await digestHeader(new TextEncoder().encode(text)),
    "content-type": "application/activity+json",
  });
  headers.set("signature", await signCavage(actor.privateKey, actor.keyId, { method: "POST", url, headers }, ["(request-target)", "host", "date", "digest", "content-type"]));
  return SELF.fetch(url, { method: "POST", headers, body: text });
}

async function expectError(res: Response, status: number, pattern: RegExp) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: string };
  expect(body.error).toMatch(pattern);
}

/** Runs the shard's alarm and returns where the activity stands. */
async function processed(id: string) {
  const stub = inboxStub(env, id);
  await runDurableObjectAlarm(stub);
  return stub.entry(id);
}

async function advanceActorClock(uri: string, ms: number) {
  await runInDurableObject(remoteActorStub(env, uri), (o: RemoteActorObject) => {
    o.clockOffsetMs += ms;
  });
}

beforeAll(async () => {
  peer = new FakePeer(peerHost("inbox"));
  alice = await peer.addActor("alice");
  bob = await peer.addActor("bob");
  installFakeNetwork(peer);
  local = await registerUser(uniqueName("inboxee"));
});

afterAll(() => uninstallFakeNetwork());

describe("accepting signed activities", () => {
  it("accepts a draft-cavage signed activity at a personal inbox with 202 and stores it durably", async () => {
    const a = activity(alice, `TestNote${rand()}`);
    const res = await send(`/users/${local.username}/inbox`, a, alice);
    expect(res.status).toBe(202);
    expect(await inboxStub(env, a.id).entry(a.id)).toMatchObject({ state: "pending" });
    // Phase 1 has no handler for this type: acknowledged, then dropped.
    expect(await processed(a.id)).toMatchObject({ state: "done", outcome: "unhandled" });
  });

  it("accepts an RFC 9421 signed activity at the shared inbox", async () => {
    const a = activity(alice, `TestNote${rand()}`);
    const res = await send("/inbox", a, alice, { spec: "rfc9421" });
    expect(res.status).toBe(202);
    expect(await inboxStub(env, a.id).entry(a.id)).not.toBeNull();
  });

  it("accepts at the instance actor's inbox too", async () => {
    const res = await send("/actor/inbox", activity(alice, `TestNote${rand()}`), alice);
    expect(res.status).toBe(202);
  });

  it("tolerates embedded `proof` and `signature` keys (not trusted, not refused)", async () => {
    const a = activity(alice, `TestNote${rand()}`, {
      signature: { type: "RsaSignature2017", creator: alice.keyId, signatureValue: "bogus" },
      proof: { type: "DataIntegrityProof", cryptosuite: "eddsa-jcs-2022", proofValue: "zbogus" },
    });
    expect((await send("/inbox", a, alice)).status).toBe(202);
  });

  it("stores the remote actor once, with a local id, sanitized profile and keys", async () => {
    const resolved = await resolveRemoteActor(env, alice.uri, { origin: ORIGIN });
    if (!resolved.ok) throw new Error(resolved.error);
    const actor = resolved.value;
    expect(actor.id).toMatch(/^\d+$/);
    expect(actor.account).toMatchObject({ id: actor.id, username: "alice", domain: peer.host, uri: alice.uri, url: `${peer.origin}/@alice`, display_name: "alice (remote)" });
    expect(actor.account.note_html).not.toContain("script");
    expect(actor.account.note_html).toContain("Hello");
    expect(actor.inbox).toBe(`${alice.uri}/inbox`);
    expect(actor.sharedInbox).toBe(`${peer.origin}/inbox`);
    expect(actor.publicKey).toEqual({ id: alice.keyId, pem: alice.publicPem });
    const again = await resolveRemoteActor(env, alice.uri, { origin: ORIGIN });
    expect(again.ok && again.value.id).toBe(actor.id);
    expect((await remoteActorById(env, actor.id))?.uri).toBe(alice.uri);
    expect(await remoteActorById(env, "12345")).toBeNull();
  });

  it("refreshes a stored actor once it is more than 24 hours old", async () => {
    const carl = await peer.addActor("carl");
    const first = await resolveRemoteActor(env, carl.uri, { origin: ORIGIN });
    expect(first.ok).toBe(true);
    const fetches = () => peer.received((r) => r.method === "GET" && r.url === carl.uri).length;
    const before = fetches();
    peer.serveJson("/users/carl", { ...carl.document, name: "Carl, renamed" });
    await advanceActorClock(carl.uri, 60 * 60_000);
    const fresh = await resolveRemoteActor(env, carl.uri, { origin: ORIGIN });
    expect(fresh.ok && fresh.value.account.display_name).toBe("carl (remote)");
    expect(fetches()).toBe(before);
    await advanceActorClock(carl.uri, 24 * 60 * 60_000);
    const stale = await resolveRemoteActor(env, carl.uri, { origin: ORIGIN });
    expect(stale.ok && stale.value.account.display_name).toBe("Carl, renamed");
    expect(stale.ok && first.ok && stale.value.id).toBe(first.ok && first.value.id);
    expect(fetches()).toBe(before + 1);
  });
});

describe("refusing", () => {
  it("401 without a signature", async () => {
    const res = await SELF.fetch(`${BASE}/inbox`, { method: "POST", headers: { "content-type": "application/activity+json" }, body: JSON.stringify(activity(alice, "Create")) });
    await expectError(res, 401, /not signed/);
  });

  it("401 when the signature was made with another key", async () => {
    const impostor = await rsaKeyPair();
    const res = await send("/inbox", activity(alice, "Create"), alice, { signer: { privateKey: impostor.privateKey, keyId: alice.keyId } });
    await expectError(res, 401, /verification failed/);
  });

  it("401 when the body does not match Digest (cavage) or Content-Digest (RFC 9421)", async () => {
    const a = activity(alice, "Create");
    const tampered = JSON.stringify({ ...a, object: "https://elsewhere.example/x" });
    await expectError(await send("/inbox", a, alice, { swapBody: tampered }), 401, /Digest does not match/);
    await expectError(await send("/inbox", a, alice, { spec: "rfc9421", swapBody: tampered }), 401, /Content-Digest does not match/);
  });

  it("401 for a Date more than an hour old or ahead; accepted just inside the hour", async () => {
    const now = Date.now();
    await expectError(await sendWithDate("/inbox", activity(alice, "Create"), alice, new Date(now - 2 * 3600_000)), 401, /window/);
    await expectError(await sendWithDate("/inbox", activity(alice, "Create"), alice, new Date(now + 2 * 3600_000)), 401, /window/);
    expect((await sendWithDate("/inbox", activity(alice, `TestNote${rand()}`), alice, new Date(now - 50 * 60_000))).status).toBe(202);
  });

  it("401 when the key's owner is not the activity's actor", async () => {
    const a = activity(bob, "Create");
    await expectError(await send("/inbox", a, alice), 401, /does not belong to the activity's actor/);
    const embedded = { ...activity(alice, "Create"), actor: { id: bob.uri, type: "Person" } };
    await expectError(await send("/inbox", embedded, alice), 401, /does not belong/);
  });

  it("401 for an unknown key (its actor does not exist)", async () => {
    const ghost = { ...(await rsaKeyPair()), keyId: `${peer.origin}/users/ghost#main-key` };
    const res = await send("/inbox", { ...activity(alice, "Create"), actor: `${peer.origin}/users/ghost` }, alice, { signer: ghost });
    await expectError(res, 401, /Could not fetch/);
  });

  it("403 for a blocked domain, before any key is fetched", async () => {
    const blockedPeer = new FakePeer(peerHost("blocked"));
    const mallory = await blockedPeer.addActor("mallory");
    installFakeNetwork(blockedPeer);
    await env.DIRECTORY.get(env.DIRECTORY.idFromName("directory")).blockDomain(blockedPeer.host.toUpperCase());
    forgetDomainBlocks();
    await expectError(await send("/inbox", activity(mallory, "Create"), mallory), 403, /refused/);
    await expectError(await send("/inbox", activity(mallory, "Create"), mallory, { spec: "rfc9421" }), 403, /refused/);
    expect(blockedPeer.requests).toHaveLength(0);
    // Subdomains are covered; neighbours are not.
    expect(await isDomainBlocked(env, `https://media.${blockedPeer.host}/x`)).toBe(true);
    expect(await isDomainBlocked(env, `x${blockedPeer.host}`)).toBe(false);
  });

  it("403 once a domain is blocked, even with its key already cached", async () => {
    const laterPeer = new FakePeer(peerHost("later"));
    const oscar = await laterPeer.addActor("oscar");
    installFakeNetwork(laterPeer);
    expect((await send("/inbox", activity(oscar, `TestNote${rand()}`), oscar)).status).toBe(202);
    const directory = env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
    await directory.blockDomain(laterPeer.host);
    forgetDomainBlocks();
    const before = laterPeer.requests.length;
    await expectError(await send("/inbox", activity(oscar, "Create"), oscar), 403, /refused/);
    expect(laterPeer.requests.length).toBe(before);
    await directory.unblockDomain(laterPeer.host);
    forgetDomainBlocks();
    expect((await send("/inbox", activity(oscar, `TestNote${rand()}`), oscar)).status).toBe(202);
  });

  it("413 for a body over 1 MiB", async () => {
    const big = JSON.stringify({ ...activity(alice, "Create"), content: "x".repeat(1024 * 1024) });
    const res = await send("/inbox", big, alice);
    await expectError(res, 413, /too large/);
  });

  it("400 for malformed JSON (signed correctly)", async () => {
    await expectError(await send("/inbox", "{not json", alice), 400, /Malformed JSON/);
    await expectError(await send("/inbox", "[1,2]", alice), 400, /JSON object/);
  });

  it("400 for JSON-LD @graph / @included / @reverse", async () => {
    for (const key of ["@graph", "@included", "@reverse"]) {
      await expectError(await send("/inbox", { ...activity(alice, "Create"), [key]: [] }, alice), 400, new RegExp(key));
    }
  });

  it("400 when the activity id is not on the actor's host", async () => {
    const a = { ...activity(alice, "Create"), id: "https://elsewhere.example/activities/1" };
    await expectError(await send("/inbox", a, alice), 400, /actor's host/);
  });

  it("400 when a Create's object is not on the actor's host", async () => {
    const a = activity(alice, "Create", { object: { id: "https://elsewhere.example/notes/1", type: "Note", content: "forged" } });
    await expectError(await send("/inbox", a, alice), 400, /object is not on its actor's host/);
  });

  it("413 for a streamed body over 1 MiB (no Content-Length), before the digest is computed", async () => {
    const small = JSON.stringify(activity(alice, "Create"));
    const signed = await fedifySign(new Request(`${BASE}/inbox`, { method: "POST", body: small, headers: { "content-type": "application/activity+json" } }), alice.privateKey, new URL(alice.keyId));
    const chunk = new Uint8Array(256 * 1024).fill(32);
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (sent > 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const headers = new Headers(signed.headers);
    headers.delete("content-length");
    await expectError(await SELF.fetch(`${BASE}/inbox`, { method: "POST", headers, body: stream }), 413, /too large/);
  });

  it("404 for the inbox of an unknown local user", async () => {
    await expectError(await send("/users/nobody_here_at_all/inbox", activity(alice, "Create"), alice), 404, /not found/);
  });
});

describe("key resolution", () => {
  it("accepts a separate key document whose owner lists the key", async () => {
    const pair = await rsaKeyPair();
    const pem = await spkiPem(pair.publicKey);
    const keyId = `${peer.origin}/keys/dora`;
    const dora = await peer.addActor("dora");
    peer.serveJson("/users/dora", { ...dora.document, publicKey: { id: keyId, owner: dora.uri, publicKeyPem: pem } });
    peer.serveJson("/keys/dora", { "@context": "https://w3id.org/security/v1", id: keyId, type: "Key", owner: dora.uri, publicKeyPem: pem });
    const signer = { privateKey: pair.privateKey, keyId };
    expect((await send("/inbox", activity(dora, `TestNote${rand()}`), dora, { signer })).status).toBe(202);
    // The key → owner mapping is remembered: the next signature needs no key document fetch.
    forgetCachedKeys();
    const keyFetches = peer.received((r) => r.url === keyId).length;
    expect((await send("/inbox", activity(dora, `TestNote${rand()}`), dora, { signer })).status).toBe(202);
    expect(peer.received((r) => r.url === keyId).length).toBe(keyFetches);
  });

  it("refuses a key document whose claimed owner does not list the key", async () => {
    const pair = await rsaKeyPair();
    const keyId = `${peer.origin}/keys/forged`;
    const eve = await peer.addActor("eve");
    peer.serveJson("/keys/forged", { id: keyId, type: "Key", owner: eve.uri, publicKeyPem: await spkiPem(pair.publicKey) });
    const res = await send("/inbox", activity(eve, "Create"), eve, { signer: { privateKey: pair.privateKey, keyId } });
    await expectError(res, 401, /does not list this key/);
  });

  it("accepts GoToSocial's /main-key stub, trusting the key only as the actor lists it", async () => {
    const gts = await peer.addActor("gts");
    const keyId = `${gts.uri}/main-key`;
    const key = { id: keyId, owner: gts.uri, publicKeyPem: gts.publicPem };
    peer.serveJson("/users/gts", { ...gts.document, publicKey: key });
    // The stub's id is the actor's, not the key URL it is served at.
    peer.serveJson("/users/gts/main-key", { "@context": "https://www.w3.org/ns/activitystreams", id: gts.uri, type: "Person", publicKey: key });
    const res = await send("/inbox", activity(gts, `TestNote${rand()}`), gts, { signer: { privateKey: gts.privateKey, keyId } });
    expect(res.status).toBe(202);
  });

  it("refetches the actor once when a cached key fails (rotation), then succeeds", async () => {
    const rita = await peer.addActor("rita");
    expect((await send("/inbox", activity(rita, `TestNote${rand()}`), rita)).status).toBe(202);
    const rotated = await peer.rotateKey(rita);
    const fetches = () => peer.received((r) => r.method === "GET" && r.url === rita.uri).length;
    const before = fetches();
    // Refetches are throttled to one per 30 s per actor; step past that.
    await advanceActorClock(rita.uri, 60_000);
    expect((await send("/inbox", activity(rita, `TestNote${rand()}`), rotated)).status).toBe(202);
    expect(fetches()).toBe(before + 1);
  });

  it("refetches once and then fails when the key never matches", async () => {
    const sam = await peer.addActor("sam");
    expect((await send("/inbox", activity(sam, `TestNote${rand()}`), sam)).status).toBe(202);
    await advanceActorClock(sam.uri, 60_000);
    const fetches = () => peer.received((r) => r.method === "GET" && r.url === sam.uri).length;
    const before = fetches();
    const wrong = await rsaKeyPair();
    const res = await send("/inbox", activity(sam, "Create"), sam, { signer: { privateKey: wrong.privateKey, keyId: sam.keyId } });
    await expectError(res, 401, /verification failed/);
    expect(fetches()).toBe(before + 1);
    // A flood of bad signatures does not turn into a flood of fetches.
    await send("/inbox", activity(sam, "Create"), sam, { signer: { privateKey: wrong.privateKey, keyId: sam.keyId } });
    expect(fetches()).toBe(before + 1);
  });

  it("signs its key and actor fetches as the instance actor (peers in authorized-fetch mode)", async () => {
    const strict = new FakePeer(peerHost("strict"));
    const tom = await strict.addActor("tom");
    // This peer serves its actor only to signed GETs it can verify with Fedify's verifier,
    // fetching our instance actor's key from /actor without a signature of its own.
    let verifiedKey: string | null = null;
    strict.route("/users/tom", async (req) => {
      const key = await fedifyVerify(req, {
        documentLoader: async (url: string) => {
          const res = await SELF.fetch(url.replace(/#.*$/, ""), { headers: { accept: "application/activity+json" } });
          return { contextUrl: null, documentUrl: url, document: await res.json() };
        },
      });
      verifiedKey = key?.id?.href ?? null;
      return key ? as2(tom.document) : new Response("unauthorized", { status: 401 });
    });
    installFakeNetwork(strict);
    expect((await send("/inbox", activity(tom, `TestNote${rand()}`), tom)).status).toBe(202);
    expect(verifiedKey).toBe(`${ORIGIN}/actor#main-key`);
  });
});

describe("hand-off and dispatch", () => {
  it("dispatches to the registered handler once; a replay changes nothing", async () => {
    const type = `TestPing${rand()}`;
    const seen: InboxContext[] = [];
    inboxHandlers.register(type, async (ctx) => {
      seen.push(ctx);
    });
    expect(() => inboxHandlers.register(type, async () => {})).toThrow(/duplicate/);
    const a = activity(alice, type);
    expect((await send(`/users/${local.username}/inbox`, a, alice)).status).toBe(202);
    expect(await processed(a.id)).toMatchObject({ state: "done", outcome: "handled" });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ actor: alice.uri, recipient: local.username, origin: ORIGIN });
    expect(seen[0].activity.id).toBe(a.id);
    // The same activity again (freshly signed, other inbox): accepted, never processed twice.
    expect((await send("/inbox", a, alice, { spec: "rfc9421" })).status).toBe(202);
    await processed(a.id);
    expect(seen).toHaveLength(1);
  });

  it("treats activities without an id as identical when their bytes are", async () => {
    const type = `TestAnon${rand()}`;
    let calls = 0;
    inboxHandlers.register(type, async () => {
      calls++;
    });
    const { id: _drop, ...anonymous } = activity(alice, type);
    expect((await send("/inbox", anonymous, alice)).status).toBe(202);
    expect((await send("/inbox", anonymous, alice)).status).toBe(202);
    for (let shard = 0; shard < INBOX_SHARDS; shard++) await runDurableObjectAlarm(env.INBOX.get(env.INBOX.idFromName(`inbox:${shard}`)));
    expect(calls).toBe(1);
  });

  it("retries a failing handler later, with the activity kept", async () => {
    const type = `TestFlaky${rand()}`;
    let calls = 0;
    inboxHandlers.register(type, async () => {
      calls++;
      if (calls === 1) throw new Error("database busy");
    });
    const a = activity(alice, type);
    expect((await send("/inbox", a, alice)).status).toBe(202);
    expect(await processed(a.id)).toMatchObject({ state: "pending", attempts: 1, lastError: "database busy" });
    const stub = inboxStub(env, a.id);
    await runInDurableObject(stub, (o: InboxObject) => {
      o.clockOffsetMs += 60_000;
    });
    expect(await processed(a.id)).toMatchObject({ state: "done", outcome: "handled" });
    expect(calls).toBe(2);
  });

  it("remembers a Delete that arrives before its Create, for a few hours", async () => {
    const registry = new InboxHandlerRegistry();
    const created: string[] = [];
    registry.register("Create", async (ctx) => {
      created.push(String((ctx.activity.object as { id: string }).id));
    });
    const ctxFor = (actor: PeerActor | { uri: string }, a: Record<string, unknown>): InboxContext => ({
      env,
      origin: ORIGIN,
      actor: actor.uri,
      recipient: null,
      receivedAt: Date.now(),
      activity: a as InboxContext["activity"],
    });
    const noteId = `${alice.uri}/statuses/${rand()}`;
    // No Delete handler is registered: the Delete is still remembered.
    expect(await dispatchActivity(ctxFor(alice, { id: `${alice.uri}#del-${rand()}`, type: "Delete", actor: alice.uri, object: { id: noteId, type: "Tombstone" } }), registry)).toBe("unhandled");
    const create = { id: `${alice.uri}/create-${rand()}`, type: "Create", actor: alice.uri, object: { id: noteId, type: "Note" } };
    expect(await dispatchActivity(ctxFor(alice, create), registry)).toBe("deleted-earlier");
    expect(created).toEqual([]);

    // Someone else's Delete (another host) does not suppress alice's object.
    const otherHost = { uri: `https://${peerHost("other")}/users/x` };
    const other = `${alice.uri}/statuses/${rand()}`;
    await dispatchActivity(ctxFor(otherHost, { id: `${otherHost.uri}#d`, type: "Delete", actor: otherHost.uri, object: other }), registry);
    expect(await dispatchActivity(ctxFor(alice, { ...create, object: { id: other, type: "Note" } }), registry)).toBe("handled");

    // After six hours the memory is gone.
    await advanceActorClock(alice.uri, 6 * 3600_000 + 60_000);
    expect(await dispatchActivity(ctxFor(alice, create), registry)).toBe("handled");
    expect(created).toEqual([other, noteId]);
  });
});

describe("absurd nesting", () => {
  it("refuses a signed activity nested 10,000 levels deep with a 400, before any processing", async () => {
    const deep = "[".repeat(10_000) + "]".repeat(10_000);
    const a = activity(alice, "Create");
    const text = JSON.stringify({ ...a, object: "X" }).replace('"X"', `{"id":"${alice.uri}/statuses/${rand()}","type":"Note","tag":${deep}}`);
    for (const path of ["/inbox", `/users/${local.username}/inbox`]) {
      await expectError(await send(path, text, alice), 400, /nested deeper than 64/);
    }
    expect(await inboxStub(env, a.id).entry(a.id)).toBeNull();
  });

  it("accepts ordinary nesting", async () => {
    const a = activity(alice, "Like");
    expect((await send("/inbox", { ...a, tag: [[[{ a: [{ b: {} }] }]]] }, alice)).status).toBe(202);
  });
});
