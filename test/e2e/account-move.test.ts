import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LocalServer } from "./server";
import { ensure, eventually, getJson, signUp, uriOf, type Person } from "./federation-helpers";
import { PASSWORD, WebSession } from "./web-session";

/**
 * Moving an account between two Pronghorn instances through the settings pages, as a person
 * would: the new account (on two) lists the old one (on one) as an alias, the old account moves
 * with its password; its follower on two and its follower on one both end up following the new
 * account, and the old one can no longer post.
 */

let one: LocalServer;
let two: LocalServer;

beforeAll(async () => {
  [one, two] = await Promise.all([startServer({ ALLOW_PRIVATE_ADDRESSES: "true" }), startServer({ ALLOW_PRIVATE_ADDRESSES: "true" })]);
});

afterAll(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
});

const domainOf = (s: LocalServer) => new URL(s.origin).host;

async function following(person: Person, accountId: string): Promise<boolean> {
  const [rel] = await person.client.v1.accounts.relationships.fetch({ id: [accountId] });
  return rel.following;
}

describe("moving an account to another instance", () => {
  it("moves followers on both instances to the new account", async () => {
    const suffix = Date.now().toString(36).slice(-5);
    const [oldMe, localFan] = [await signUp(one, `old_${suffix}`), await signUp(one, `fan1_${suffix}`)];
    const [newMe, remoteFan] = [await signUp(two, `new_${suffix}`), await signUp(two, `fan2_${suffix}`)];
    const oldAcct = `${oldMe.username}@${domainOf(one)}`;
    const newAcct = `${newMe.username}@${domainOf(two)}`;

    // A follower on the same instance and one on the other.
    await localFan.client.v1.accounts.$select(oldMe.id).follow();
    const oldThere = await remoteFan.client.v1.accounts.lookup({ acct: oldAcct });
    await remoteFan.client.v1.accounts.$select(oldThere.id).follow();
    await eventually(async () => ensure(await following(remoteFan, oldThere.id), "not accepted yet"), "the remote follow");

    // The new account lists the old one; then the old one moves.
    const newSession = await WebSession.signIn(two, newMe);
    expect((await newSession.submit("/settings/aliases", "/settings/aliases", { acct: oldAcct })).status).toBe(303);
    const actor = await fetch(newMe.uri, { headers: { accept: "application/activity+json" } }).then((r) => r.json());
    expect(actor.alsoKnownAs).toEqual([oldMe.uri]);

    const oldSession = await WebSession.signIn(one, oldMe);
    const moved = await oldSession.submit("/settings/migration", "/settings/migration", { acct: newAcct, current_password: PASSWORD });
    expect(moved.status, await moved.clone().text()).toBe(303);
    const oldActor = await fetch(oldMe.uri, { headers: { accept: "application/activity+json" } }).then((r) => r.json());
    expect(oldActor.movedTo).toBe(newMe.uri);
    const me = await getJson(one, oldMe, `/api/v1/accounts/${oldMe.id}`);
    expect(uriOf(me.body.moved)).toBe(newMe.uri);

    // The follower on two received the Move: it follows the new account, not the old one.
    await eventually(async () => {
      ensure(await following(remoteFan, newMe.id), "not following the new account yet");
      ensure(!(await following(remoteFan, oldThere.id)), "still following the old account");
    }, "the remote follower to move");

    // Server two shows the old account as moved to its own new account.
    const oldThereNow = await getJson(two, remoteFan, `/api/v1/accounts/${oldThere.id}`);
    expect(oldThereNow.body.moved?.id).toBe(newMe.id);

    // The follower on one follows the new account over federation (the Accept comes back).
    const newThere = await localFan.client.v1.accounts.lookup({ acct: newAcct });
    await eventually(async () => {
      ensure(await following(localFan, newThere.id), "not following the new account yet");
      ensure(!(await following(localFan, oldMe.id)), "still following the old account");
    }, "the local follower to move");

    // The old account stays readable but cannot post.
    const post = await fetch(`${one.origin}/api/v1/statuses`, {
      method: "POST",
      headers: { authorization: `Bearer ${oldMe.token}`, "content-type": "application/json" },
      body: JSON.stringify({ status: "from the old account" }),
    });
    expect(post.status).toBe(403);
    expect((await getJson(one, oldMe, `/api/v1/accounts/${oldMe.id}/statuses`)).status).toBe(200);
  });
});
