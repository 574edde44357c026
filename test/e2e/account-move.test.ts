import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LocalServer } from "./server";
import { ensure, eventually, getJson, signUp, uriOf, type Person } from "./federation-helpers";

/**
 * Moving an account between two Pronghorn instances through the settings pages, as a person
 * would: the new account (on two) lists the old one (on one) as an alias, the old account moves
 * with its password; its follower on two and its follower on one both end up following the new
 * account, and the old one can no longer post.
 */

const PASSWORD = "correct horse battery";

/** Signs in through the web form and keeps the session cookie (redirects left alone). */
class WebSession {
  readonly cookies = new Map<string, string>();
  constructor(private readonly server: LocalServer) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(`${this.server.origin}${path}`, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(";")[0];
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }

  /** Posts the form of `pagePath` that goes to `action`, with its hidden fields and `fields`. */
  async submit(pagePath: string, action: string, fields: Record<string, string>): Promise<Response> {
    const html = await (await this.fetch(pagePath)).text();
    const start = html.indexOf(`action="${action}"`);
    if (start < 0) throw new Error(`no form posting to ${action} on ${pagePath}:\n${html.slice(0, 1500)}`);
    const form = html.slice(start, html.indexOf("</form>", start));
    const hidden = Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
    return this.fetch(action, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...hidden, ...fields }).toString(),
    });
  }

  static async signIn(server: LocalServer, person: Person): Promise<WebSession> {
    const session = new WebSession(server);
    const res = await session.submit("/auth/sign_in", "/auth/sign_in", { login: person.username, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(session.cookies.has("pronghorn_session")).toBe(true);
    return session;
  }
}

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
