import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { accountStub, deliveryStub } from "../../core/stubs";
import { resolveRemoteActor } from "../../objects/federation/remote-actors";
import type { RemoteActor } from "../../objects/federation/actor-document";
import { snowflake } from "../../lib/ids";
import { api, BASE, must, type TestUser } from "./helpers";
import type { FakePeer, PeerActor, RecordedRequest } from "./federation-peer";

/** Helpers of the account settings tests (aliases, moving, deletion). */

export interface WebSession {
  cookie: string;
  csrf: string;
}

/** A signed-in browser session of `user` (as the sign-in form makes one). */
export async function webSession(user: TestUser): Promise<WebSession> {
  const created = await accountStub(env, user.id).createSession();
  return { cookie: `pronghorn_session=${created.session}`, csrf: created.csrf };
}

export function page(path: string, session: WebSession | null): Promise<Response> {
  return api(path, { headers: session ? { cookie: session.cookie } : {}, redirect: "manual" });
}

/** Posts a settings form with the session's CSRF value (unless `csrf` overrides it). */
export function submit(path: string, session: WebSession, fields: Record<string, string>, csrf = session.csrf): Promise<Response> {
  return api(path, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ authenticity_token: csrf, ...fields }).toString(),
  });
}

export const actorOf = (u: TestUser) => `${BASE}/users/${u.username}`;

export function as2Get(path: string): Promise<Response> {
  return api(path, { headers: { accept: "application/activity+json" } });
}

/** The peer answers WebFinger for its actors. */
export function serveWebfinger(p: FakePeer): void {
  p.route("/.well-known/webfinger", (req) => {
    const resource = new URL(req.url).searchParams.get("resource") ?? "";
    const m = /^acct:([^@]+)@(.+)$/.exec(resource);
    if (!m || m[2] !== p.host) return new Response("not found", { status: 404 });
    const uri = `${p.origin}/users/${m[1]}`;
    return new Response(JSON.stringify({ subject: resource, links: [{ rel: "self", type: "application/activity+json", href: uri }] }), {
      headers: { "content-type": "application/jrd+json" },
    });
  });
}

export async function known(actor: PeerActor): Promise<RemoteActor> {
  const resolved = await resolveRemoteActor(env, actor.uri, { origin: BASE, refresh: true });
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
}

/** Makes `actor` a follower of `user` the way the inbound Follow handler does. */
export async function remoteFollows(user: TestUser, actor: PeerActor): Promise<RemoteActor> {
  const remote = await known(actor);
  must(
    "receiveRemoteFollow",
    await accountStub(env, user.id).receiveRemoteFollow({
      follower: remote.account,
      follow: { id: `${actor.uri}#follows/${snowflake()}`, actor: actor.uri, object: actorOf(user) },
      inbox: remote.inbox,
      sharedInbox: remote.sharedInbox,
    }),
  );
  return remote;
}

export type Activity = Record<string, any>;

export function deliveries(peer: FakePeer, filter: (a: Activity) => boolean): { activity: Activity; request: RecordedRequest }[] {
  return peer
    .received((r) => r.method === "POST")
    .map((request) => ({ request, activity: JSON.parse(new TextDecoder().decode(request.body)) as Activity }))
    .filter(({ activity }) => filter(activity));
}

/** Runs the user's jobs and the peer's delivery queue until an activity `check` accepts arrives. */
export async function delivered(user: TestUser, peer: FakePeer, check: (a: Activity) => boolean): Promise<{ activity: Activity; request: RecordedRequest }> {
  for (let i = 0; i < 60; i++) {
    await runJobs(user.id, 1);
    await runDurableObjectAlarm(deliveryStub(env, peer.host));
    const found = deliveries(peer, check);
    if (found.length) return found[found.length - 1];
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("no matching delivery arrived");
}

/**
 * Runs every queued job of an account's object now, due or not. Unlike status-helpers' runJobs
 * the jobs are made due "now", not at 0: a job that calls back into this object must be able to
 * set its alarm.
 */
export async function runJobs(accountId: string, rounds = 1): Promise<void> {
  const stub = accountStub(env, accountId);
  for (let i = 0; i < rounds; i++) {
    await runInDurableObject(stub, (o: { sql: SqlStorage; storage: DurableObjectStorage }) => {
      const now = Date.now();
      o.sql.exec("UPDATE outbox SET next_at = ? WHERE next_at > ?", now, now);
      return o.storage.setAlarm(now);
    });
    await runDurableObjectAlarm(stub);
  }
}

/** Runs an account's jobs until its outbox is empty (bounded). */
export async function settleJobs(accountId: string, rounds = 30): Promise<void> {
  let left: { kind: string; last_error: string | null }[] = [];
  for (let i = 0; i < rounds; i++) {
    await runJobs(accountId, 1);
    left = await runInDurableObject(accountStub(env, accountId), (o: { sql: SqlStorage }) =>
      o.sql.exec<{ kind: string; last_error: string | null }>("SELECT kind, last_error FROM outbox").toArray(),
    );
    if (left.length === 0) return;
  }
  expect.fail(`jobs of ${accountId} did not finish: ${JSON.stringify(left)}`);
}
