import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountStub, directoryStub } from "../../core/stubs";
import { parseCavageHeader } from "../../lib/federation/http-signatures-cavage";
import { api, bearer, DOMAIN } from "./helpers";
import { follow, inObject, newUser, post, send } from "./status-helpers";
import { upload, photo } from "./media-helpers";
import { FakePeer, installFakeNetwork, peerHost, uninstallFakeNetwork } from "./federation-peer";
import { rand } from "./federation-handlers-helpers";
import { actorOf, as2Get, delivered, remoteFollows, settleJobs, submit, webSession } from "./account-settings-helpers";

/**
 * Deleting an account (Mastodon's /settings/delete): gone at once from the API, WebFinger and
 * AS2 (410 Tombstone), its username reserved, its tokens dead; then its statuses leave other
 * accounts' homes, notifications, conversations and the public timeline, its media leave R2,
 * and a signed Delete of the actor reaches the servers that knew it.
 */

let peer: FakePeer;

beforeAll(async () => {
  peer = new FakePeer(peerHost("del"));
  installFakeNetwork(peer);
  await api("/api/v1/instance");
});

afterAll(() => uninstallFakeNetwork());

const ids = (list: any[]) => list.map((s) => s.id);

async function listOf(path: string, token?: string): Promise<any[]> {
  const res = await api(path, token ? { headers: bearer(token) } : {});
  expect(res.status).toBe(200);
  return res.json();
}

describe("deleting an account", () => {
  it("refuses a wrong password and needs a session", async () => {
    const user = await newUser("keep");
    const session = await webSession(user);
    const wrong = await submit("/settings/delete", session, { password: "nope" });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("Current password is invalid");
    expect((await submit("/settings/delete", session, { password: user.password }, "forged")).status).toBe(403);
    expect((await api(`/api/v1/accounts/${user.id}`)).status).toBe(200);
  });

  it("removes the account everywhere and tells the servers that knew it", async () => {
    const [doomed, friend, stranger] = [await newUser("doomed"), await newUser("friend"), await newUser("stranger")];
    const liked = await post(stranger, { status: "nice day" });
    expect((await send("POST", `/api/v1/statuses/${liked.id}/favourite`, doomed.token)).status).toBe(200);
    const fan = await peer.addActor(`fan${rand().slice(0, 6)}`);
    await remoteFollows(doomed, fan);
    await follow(friend, doomed);
    await follow(doomed, friend);
    const media = await upload(doomed.token, await photo());
    const shown = await post(doomed, { status: `hello @${friend.username}`, media_ids: [media.id] });
    const direct = await post(doomed, { status: `psst @${friend.username}`, visibility: "direct" });
    await settleJobs(doomed.id);
    expect(ids(await listOf("/api/v1/timelines/home", friend.token))).toContain(shown.id);
    expect(ids(await listOf("/api/v1/timelines/public?local=true"))).toContain(shown.id);
    expect((await listOf("/api/v1/notifications", friend.token)).some((n) => n.account.id === doomed.id)).toBe(true);
    expect(await listOf("/api/v1/conversations", friend.token)).toHaveLength(1);
    const mediaKey = new URL(media.url).pathname.replace(/^\/system\//, "");
    expect(await env.MEDIA.head(mediaKey)).not.toBeNull();

    const done = await submit("/settings/delete", await webSession(doomed), { password: doomed.password });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Account deleted");
    expect(done.headers.get("set-cookie")).toContain("Max-Age=0");

    // Gone at once: API, token, WebFinger, AS2 (410 Tombstone), sign-in, the username.
    expect((await api(`/api/v1/accounts/${doomed.id}`)).status).toBe(404);
    expect((await api(`/api/v1/accounts/lookup?acct=${doomed.username}`)).status).toBe(404);
    expect((await api("/api/v1/accounts/verify_credentials", { headers: bearer(doomed.token) })).status).toBe(401);
    expect((await api(`/.well-known/webfinger?resource=acct:${doomed.username}@${DOMAIN}`)).status).toBe(404);
    const actor = await as2Get(`/users/${doomed.username}`);
    expect(actor.status).toBe(410);
    expect(await actor.json()).toMatchObject({ id: actorOf(doomed), type: "Tombstone" });
    expect((await api(`/@${doomed.username}`, { headers: { accept: "text/html" } })).status).toBe(410);
    expect((await accountStub(env, doomed.id).checkPassword(doomed.password)).ok).toBe(false);
    const again = await directoryStub(env).register({ username: doomed.username, email: `new${rand()}@example.com`, password: "long enough password", role: "user", approved: true });
    expect(again).toMatchObject({ ok: false, status: 422 });
    // Its e-mail address is free again.
    expect((await directoryStub(env).findByEmail(doomed.email))).toBeNull();

    // The Delete of the actor, signed with the deleted account's key.
    const sent = await delivered(doomed, peer, (a) => a.type === "Delete" && a.object === actorOf(doomed));
    expect(sent.activity.actor).toBe(actorOf(doomed));
    expect(parseCavageHeader(sent.request.headers.get("signature")!)!.keyId).toBe(`${actorOf(doomed)}#main-key`);

    // Then everything it made leaves the other accounts and the instance's timelines.
    await settleJobs(doomed.id);
    expect(ids(await listOf("/api/v1/timelines/home", friend.token))).not.toContain(shown.id);
    expect(ids(await listOf("/api/v1/timelines/public?local=true"))).not.toContain(shown.id);
    expect((await listOf("/api/v1/notifications", friend.token)).some((n) => n.account.id === doomed.id)).toBe(false);
    expect(await listOf("/api/v1/conversations", friend.token)).toHaveLength(0);
    expect((await api(`/api/v1/statuses/${shown.id}`, { headers: bearer(friend.token) })).status).toBe(404);
    expect((await api(`/api/v1/statuses/${direct.id}`, { headers: bearer(friend.token) })).status).toBe(404);
    const friendNow = await (await api(`/api/v1/accounts/${friend.id}`)).json<any>();
    expect(friendNow).toMatchObject({ followers_count: 0, following_count: 0 });
    expect(await env.MEDIA.head(mediaKey)).toBeNull();
    // Its favourite left a stranger's status: count, favourited_by and the stranger's notification.
    expect((await send("GET", `/api/v1/statuses/${liked.id}`, stranger.token)).body.favourites_count).toBe(0);
    expect((await send("GET", `/api/v1/statuses/${liked.id}/favourited_by`, stranger.token)).body).toEqual([]);
    expect((await listOf("/api/v1/notifications", stranger.token)).some((n) => n.account.id === doomed.id)).toBe(false);
    expect((await send("GET", `/api/v1/accounts/${doomed.id}/statuses`, friend.token)).status).toBe(404);
    // Its object keeps only the emptied account row and the keys that sign the Delete's retries.
    const left = await inObject(doomed.id, (o) =>
      o.sql.exec<{ statuses: number; media: number; credentials: number; email: string }>(
        "SELECT (SELECT count(*) FROM statuses) AS statuses, (SELECT count(*) FROM media) AS media, (SELECT count(*) FROM credentials) AS credentials, email FROM account",
      ).one(),
    );
    expect(left).toEqual({ statuses: 0, media: 0, credentials: 0, email: "" });
    // A second deletion finds nothing.
    expect(await accountStub(env, doomed.id).deleteSelf()).toMatchObject({ ok: false, status: 404 });
  });
});
