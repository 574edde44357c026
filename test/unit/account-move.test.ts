import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bearer, DOMAIN, type TestUser } from "./helpers";
import { follow, newUser, send } from "./status-helpers";
import { FakePeer, installFakeNetwork, peerHost, uninstallFakeNetwork, type PeerActor } from "./federation-peer";
import { activityOf, deliver, rand } from "./federation-handlers-helpers";
import { expectSchema } from "./openapi";
import { actorOf, as2Get, delivered, known, page, remoteFollows, runJobs, settleJobs, serveWebfinger, submit, webSession } from "./account-settings-helpers";

/**
 * Aliases and moving an account (Mastodon's /settings/aliases and /settings/migration), and a
 * Mastodon-shaped Move arriving from another server: actor documents, the API's `moved`, the
 * Move sent to remote followers, local followers moved, posting refused, the cooldown, and the
 * limits on inbound moves (recent move, blocks).
 */

let peer: FakePeer;

beforeAll(async () => {
  peer = new FakePeer(peerHost("move"));
  serveWebfinger(peer);
  installFakeNetwork(peer);
  await api("/api/v1/instance");
});

afterAll(() => uninstallFakeNetwork());

async function actorDoc(u: TestUser): Promise<Record<string, any>> {
  const res = await as2Get(`/users/${u.username}`);
  expect(res.status).toBe(200);
  return res.json<Record<string, any>>();
}

async function relationship(viewer: TestUser, id: string): Promise<any> {
  const res = await api(`/api/v1/accounts/relationships?id[]=${id}`, { headers: bearer(viewer.token) });
  return (await res.json<any[]>())[0];
}

describe("aliases", () => {
  it("needs a signed-in session and the form's CSRF value", async () => {
    expect((await page("/settings/aliases", null)).headers.get("location")).toBe("/auth/sign_in");
    const user = await newUser("alias");
    const session = await webSession(user);
    const shown = await page("/settings/aliases", session);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('action="/settings/aliases"');
    expect((await submit("/settings/aliases", session, { acct: "someone" }, "forged")).status).toBe(403);
  });

  it("adds a remote alias by handle, lists it in alsoKnownAs, and removes it", async () => {
    const user = await newUser("alias");
    const old: PeerActor = await peer.addActor(`old${rand().slice(0, 6)}`);
    const session = await webSession(user);
    const added = await submit("/settings/aliases", session, { "account_alias[acct]": `@${new URL(old.uri).pathname.split("/")[2]}@${peer.host}` });
    expect(added.status, await added.clone().text()).toBe(303);
    expect((await actorDoc(user)).alsoKnownAs).toEqual([old.uri]);
    expect(await (await page("/settings/aliases", session)).text()).toContain(old.uri);
    // The same alias twice, and an unknown handle, are refused on the page.
    expect((await submit("/settings/aliases", session, { acct: `${old.document.preferredUsername}@${peer.host}` })).status).toBe(422);
    const unknown = await submit("/settings/aliases", session, { acct: `nobody@${peer.host}` });
    expect(unknown.status).toBe(422);
    expect(await unknown.text()).toContain("could not be found");
    expect((await submit("/settings/aliases/remove", session, { uri: old.uri })).status).toBe(303);
    expect((await actorDoc(user)).alsoKnownAs).toEqual([]);
  });

  it("answers bad input with the page and a message, never a 500", async () => {
    const user = await newUser("alias");
    const session = await webSession(user);
    const blank = await submit("/settings/aliases", session, { "acct[]": "x" });
    expect(blank.status).toBe(422);
    expect(await blank.text()).toContain("can&#39;t be blank");
    expect((await submit("/settings/aliases", session, { acct: "@@nope@@" })).status).toBe(422);
    expect((await submit("/settings/aliases", session, { acct: "x".repeat(5000) })).status).toBe(422);
    const unknown = await submit("/settings/aliases/remove", session, { uri: "https://elsewhere.example/users/x" });
    expect(unknown.status).toBe(422);
    expect((await submit("/settings/migration", session, { acct: user.username })).status).toBe(422);
  });

  it("adds a local alias, and refuses the account itself", async () => {
    const [user, other] = [await newUser("alias"), await newUser("alias")];
    const session = await webSession(user);
    expect((await submit("/settings/aliases", session, { acct: `${other.username}@${DOMAIN}` })).status).toBe(303);
    expect((await actorDoc(user)).alsoKnownAs).toEqual([actorOf(other)]);
    const self = await submit("/settings/aliases", session, { acct: user.username });
    expect(self.status).toBe(422);
    expect(await self.text()).toContain("cannot be the current account");
  });
});

describe("moving out", () => {
  it("moves to a remote account that lists this one: movedTo, moved, Move to followers, local followers, no posting", async () => {
    const [mover, localFollower] = [await newUser("mover"), await newUser("fan")];
    const remoteFan = await peer.addActor(`fan${rand().slice(0, 6)}`);
    await remoteFollows(mover, remoteFan);
    await follow(localFollower, mover);
    const name = `new${rand().slice(0, 6)}`;
    const target = await peer.addActor(name, { alsoKnownAs: [actorOf(mover)] });
    const session = await webSession(mover);

    const wrong = await submit("/settings/migration", session, { acct: `${name}@${peer.host}`, current_password: "nope" });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("Current password is invalid");

    const moved = await submit("/settings/migration", session, { acct: `${name}@${peer.host}`, current_password: mover.password });
    expect(moved.status, await moved.clone().text()).toBe(303);
    expect((await actorDoc(mover)).movedTo).toBe(target.uri);
    const account = await (await api(`/api/v1/accounts/${mover.id}`)).json<any>();
    expect(account.moved).toMatchObject({ acct: `${name}@${peer.host}`, uri: target.uri });
    expectSchema(account, "Account");

    const move = await delivered(mover, peer, (a) => a.type === "Move");
    expect(move.activity).toMatchObject({ actor: actorOf(mover), object: actorOf(mover), target: target.uri });
    expect(new URL(move.request.url).host).toBe(peer.host);

    // The local follower now follows the new account (a Follow went to its server) and not the old.
    await runJobs(mover.id, 3);
    await runJobs(localFollower.id, 2);
    const targetId = (await known(target)).id;
    expect((await relationship(localFollower, mover.id)).following).toBe(false);
    expect(await relationship(localFollower, targetId)).toMatchObject({ requested: true });

    const posted = await send("POST", "/api/v1/statuses", mover.token, { status: "still here?" });
    expect(posted).toMatchObject({ status: 403, body: { error: "Your login is currently disabled" } });
    expect((await api(`/api/v1/accounts/${mover.id}/statuses`)).status).toBe(200);

    // Mastodon's cooldown: 30 days between moves.
    const again = await submit("/settings/migration", session, { acct: `${name}@${peer.host}`, current_password: mover.password });
    expect(again.status).toBe(422);
    expect(await (await page("/settings/migration", session)).text()).toContain("You can move again after");
  });

  it("refuses a target that does not list this account", async () => {
    const mover = await newUser("mover");
    const name = `stranger${rand().slice(0, 6)}`;
    await peer.addActor(name);
    const res = await submit("/settings/migration", await webSession(mover), { acct: `${name}@${peer.host}`, current_password: mover.password });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("is not an alias of this account");
    expect((await api(`/api/v1/accounts/${mover.id}`)).status).toBe(200);
    expect((await api(`/api/v1/accounts/${mover.id}`).then((r) => r.json<any>())).moved).toBeUndefined();
  });

  it("moves to a local account: followers follow it, blockers block it", async () => {
    const [mover, target, fan, blocker] = [await newUser("mover"), await newUser("target"), await newUser("fan"), await newUser("blocker")];
    await follow(fan, mover);
    expect((await api(`/api/v1/accounts/${mover.id}/block`, { method: "POST", headers: bearer(blocker.token) })).status).toBe(200);
    expect((await submit("/settings/aliases", await webSession(target), { acct: mover.username })).status).toBe(303);
    const res = await submit("/settings/migration", await webSession(mover), { acct: target.username, current_password: mover.password });
    expect(res.status, await res.clone().text()).toBe(303);
    await settleJobs(mover.id);
    expect((await relationship(fan, target.id)).following).toBe(true);
    expect((await relationship(fan, mover.id)).following).toBe(false);
    expect((await api(`/api/v1/accounts/${mover.id}`).then((r) => r.json<any>())).moved.id).toBe(target.id);
    // Whoever blocked the old account blocks the new one too (Mastodon carries blocks over).
    expect((await relationship(blocker, target.id)).blocking).toBe(true);
  });
});

describe("moving in (inbound Move)", () => {
  it("moves local followers of a remote account to the local account that lists it, once per 7 days", async () => {
    const origin = await peer.addActor(`away${rand().slice(0, 6)}`);
    const [home, fan, blocker] = [await newUser("home"), await newUser("fan"), await newUser("blocker")];
    const originId = (await known(origin)).id;
    for (const u of [fan, blocker]) {
      const res = await api(`/api/v1/accounts/${originId}/follow`, { method: "POST", headers: bearer(u.token) });
      expect(res.status).toBe(200);
      const accept = activityOf(origin, "Accept", { id: `${actorOf(u)}#follows/${rand()}`, type: "Follow", actor: actorOf(u), object: origin.uri });
      await deliver(accept, origin);
    }
    // The blocker blocks the new account: its follow of the old one stays.
    expect((await api(`/api/v1/accounts/${home.id}/block`, { method: "POST", headers: bearer(blocker.token) })).status).toBe(200);
    // Before the alias exists, a Move is ignored.
    await deliver(activityOf(origin, "Move", origin.uri, { target: actorOf(home) }), origin);
    expect((await relationship(fan, home.id)).following).toBe(false);

    await submit("/settings/aliases", await webSession(home), { acct: `${origin.document.preferredUsername}@${peer.host}` });
    // As Mastodon, the old account's document now names the new one.
    peer.serveJson(new URL(origin.uri).pathname, { ...origin.document, movedTo: actorOf(home) });
    await deliver(activityOf(origin, "Move", origin.uri, { target: actorOf(home) }), origin);
    await runJobs(fan.id, 2);
    const originNow = await (await api(`/api/v1/accounts/${originId}`)).json<any>();
    expect(originNow.moved).toMatchObject({ id: home.id, acct: home.username });
    expect((await relationship(fan, home.id)).following).toBe(true);
    expect((await relationship(fan, originId)).following).toBe(false);
    expect((await relationship(blocker, home.id)).following).toBe(false);
    expect((await relationship(blocker, originId)).following).toBe(true);

    // A second Move within 7 days, to another account that lists it too, is ignored.
    const second = await newUser("second");
    await submit("/settings/aliases", await webSession(second), { acct: `${origin.document.preferredUsername}@${peer.host}` });
    const late = await newUser("late");
    await api(`/api/v1/accounts/${originId}/follow`, { method: "POST", headers: bearer(late.token) });
    await deliver(activityOf(origin, "Move", origin.uri, { target: actorOf(second) }), origin);
    expect((await relationship(late, second.id)).following).toBe(false);
  });

  it("ignores a Move whose object is not its actor", async () => {
    const [origin, other] = [await peer.addActor(`a${rand().slice(0, 6)}`), await peer.addActor(`b${rand().slice(0, 6)}`)];
    const [home, fan] = [await newUser("home"), await newUser("fan")];
    const otherId = (await known(other)).id;
    await api(`/api/v1/accounts/${otherId}/follow`, { method: "POST", headers: bearer(fan.token) });
    await submit("/settings/aliases", await webSession(home), { acct: `${other.document.preferredUsername}@${peer.host}` });
    await deliver(activityOf(origin, "Move", other.uri, { target: actorOf(home) }), origin);
    expect(await relationship(fan, home.id)).toMatchObject({ following: false, requested: false });
  });
});
