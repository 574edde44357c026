import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { expect } from "vitest";
import { signRequest as fedifySign } from "@fedify/fedify/sig";
import { AS_PUBLIC } from "../../lib/federation/context";

import type { InboxEntryState } from "../../objects/federation/inbox-object";
import { inboxStub, remoteActorStub } from "../../core/stubs";
import { api, BASE, bearer, registerUser, uniqueName, type TestUser } from "./helpers";
import { FakePeer, installFakeNetwork, peerHost, type PeerActor } from "./federation-peer";
import { resolveRemoteActor } from "../../objects/federation/remote-actors";

/**
 * Helpers of the inbound handler tests: a fake remote server (federation-peer.ts) sends real
 * signed activities to our inboxes; the tests then run the inbox alarm and the remote actors'
 * job alarms and look at the results through the client API.
 */
export const ORIGIN = BASE;
export const localActor = (u: TestUser) => `${ORIGIN}/users/${u.username}`;
export const localStatusUri = (u: TestUser, id: string) => `${localActor(u)}/statuses/${id}`;

export const rand = () => crypto.getRandomValues(new Uint32Array(2)).join("");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Remote {
  peer: FakePeer;
  actor(name: string, extra?: Record<string, unknown>): Promise<PeerActor>;
}

/** A fake server on its own host, routed by the fake network. */
export function remoteServer(label: string): Remote {
  const peer = new FakePeer(peerHost(label));
  installFakeNetwork(peer);
  return {
    peer,
    actor: (name, extra = {}) =>
      peer.addActor(name, { featured: `${peer.origin}/users/${name}/collections/featured`, ...extra }),
  };
}

export function localUser(prefix: string): Promise<TestUser> {
  return registerUser(uniqueName(prefix));
}

/** The local id our server gave a remote actor (fetched and stored on first use). */
export async function remoteId(actor: PeerActor): Promise<string> {
  const resolved = await resolveRemoteActor(env, actor.uri, { origin: ORIGIN });
  if (!resolved.ok) throw new Error(`resolve ${actor.uri}: ${resolved.error}`);
  return resolved.value.id;
}

// ----- building activities -----

export interface NoteOptions {
  id?: string;
  content?: string;
  to?: string[];
  cc?: string[];
  tag?: unknown[];
  inReplyTo?: string | null;
  published?: string;
  extra?: Record<string, unknown>;
}

export function noteOf(actor: PeerActor, o: NoteOptions = {}): Record<string, unknown> {
  return {
    id: o.id ?? `${actor.uri}/statuses/${rand()}`,
    type: "Note",
    attributedTo: actor.uri,
    content: o.content ?? "<p>Hello from afar</p>",
    published: o.published ?? new Date().toISOString(),
    to: o.to ?? [AS_PUBLIC],
    cc: o.cc ?? [`${actor.uri}/followers`],
    tag: o.tag ?? [],
    inReplyTo: o.inReplyTo ?? null,
    ...o.extra,
  };
}

export function activityOf(actor: PeerActor, type: string, object: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> & { id: string } {
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${actor.uri}/activities/${type.toLowerCase()}-${rand()}`,
    type,
    actor: actor.uri,
    object,
    ...extra,
  };
}

/** A Create of `note` (embedded, or by reference when given its id). */
export function createOf(actor: PeerActor, note: Record<string, unknown> | string) {
  if (typeof note === "string") return activityOf(actor, "Create", note, { to: [AS_PUBLIC] });
  return activityOf(actor, "Create", note, { to: note.to, cc: note.cc });
}

export const mentionTag = (u: TestUser) => ({ type: "Mention", href: localActor(u), name: `@${u.username}@pronghorn.test` });

// ----- sending and processing -----

/** POSTs an activity signed by `actor` (Fedify signs, cavage by default) and expects 202. */
export async function post(activity: Record<string, unknown>, actor: PeerActor, path = "/inbox", spec?: "draft-cavage-http-signatures-12" | "rfc9421"): Promise<void> {
  const request = new Request(`${BASE}${path}`, { method: "POST", body: JSON.stringify(activity), headers: { "content-type": "application/activity+json" } });
  const signed = await fedifySign(request, actor.privateKey, new URL(actor.keyId), { spec: spec ?? "draft-cavage-http-signatures-12" });
  const res = await SELF.fetch(signed);
  expect(res.status, await res.clone().text()).toBe(202);
}

/** Runs the inbox shard holding `id` until the activity is processed (or failed). */
export async function processed(id: string): Promise<InboxEntryState | null> {
  const stub = inboxStub(env, id);
  for (let i = 0; i < 100; i++) {
    await runDurableObjectAlarm(stub);
    const entry = await stub.entry(id);
    if (!entry || entry.state !== "pending" || entry.attempts > 0) return entry;
    await sleep(10);
  }
  return stub.entry(id);
}

/** Runs the due jobs of remote actors' objects (link, fan-out...) until none is left. */
export async function drain(...uris: string[]): Promise<void> {
  for (const uri of uris) {
    const stub = remoteActorStub(env, uri);
    for (let i = 0; i < 50; i++) {
      await runDurableObjectAlarm(stub);
      if ((await stub.pendingJobs(true)) === 0) break;
      await sleep(20);
    }
  }
}

/** Sends, processes and drains: the activity's effects are all visible afterwards. */
export async function deliver(activity: Record<string, unknown> & { id: string }, actor: PeerActor, options: { path?: string; drain?: string[] } = {}): Promise<InboxEntryState | null> {
  await post(activity, actor, options.path);
  const entry = await processed(activity.id);
  await drain(actor.uri, ...(options.drain ?? []));
  return entry;
}

// ----- reading through the client API -----

export async function getJson(path: string, token?: string): Promise<{ status: number; body: any }> {
  const res = await api(path, token ? { headers: bearer(token) } : {});
  return { status: res.status, body: await res.json() };
}

export async function homeOf(u: TestUser): Promise<any[]> {
  const res = await getJson("/api/v1/timelines/home?limit=40", u.token);
  expect(res.status).toBe(200);
  return res.body;
}

export async function notificationsOf(u: TestUser, type?: string): Promise<any[]> {
  const res = await getJson(`/api/v1/notifications?limit=40${type ? `&types[]=${type}` : ""}`, u.token);
  expect(res.status).toBe(200);
  return res.body;
}

/** The local id of a remote status, found in a timeline by its URI. */
export function byUri(list: any[], uri: string): any | undefined {
  return list.find((s) => s.uri === uri || s.reblog?.uri === uri);
}

/** `user` follows the remote actor through the API; the actor accepts (Accept from its server). */
export async function followRemote(user: TestUser, actor: PeerActor): Promise<string> {
  const id = await remoteId(actor);
  const res = await api(`/api/v1/accounts/${id}/follow`, { method: "POST", headers: bearer(user.token) });
  expect(res.status, await res.clone().text()).toBe(200);
  const accept = activityOf(actor, "Accept", { id: `${localActor(user)}#follows/${rand()}`, type: "Follow", actor: localActor(user), object: actor.uri });
  const entry = await deliver(accept, actor);
  expect(entry).toMatchObject({ state: "done", outcome: "handled" });
  return id;
}
