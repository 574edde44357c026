import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LocalServer } from "./server";
import { FedifyPeer } from "./fedify-peer";
import { ensure, eventually, signUp, type Person } from "./federation-helpers";
import { PASSWORD, WebSession } from "./web-session";

/**
 * Deleting an account through its settings page, with a `@fedify/fedify` peer following it:
 * the peer receives a Delete of the actor whose signature it verified, and the account is gone
 * from WebFinger (404) and ActivityPub (410 Gone).
 */

let server: LocalServer;
let peer: FedifyPeer;
let doomed: Person;

beforeAll(async () => {
  [server, peer] = await Promise.all([startServer({ ALLOW_PRIVATE_ADDRESSES: "true" }), new FedifyPeer("draft-cavage-http-signatures-12")]);
  await peer.start();
  doomed = await signUp(server, `gone_${Date.now().toString(36).slice(-6)}`);
});

afterAll(async () => {
  await Promise.all([server?.stop(), peer?.stop()]);
});

describe("deleting an account", () => {
  it("sends a verified Delete of the actor to a Fedify follower and answers 410/404 afterwards", async () => {
    await peer.follow(doomed.uri);
    await eventually(() => ensure(peer.receivedOf("Accept", (a) => a.actor === doomed.uri).length === 1, "no Accept yet"), "the Accept");

    const session = await WebSession.signIn(server, doomed);
    const deleted = await session.submit("/settings/delete", "/settings/delete", { password: PASSWORD });
    expect(deleted.status).toBe(200);

    const del = await eventually(() => {
      const found = peer.receivedOf("Delete", (a) => a.actor === doomed.uri);
      ensure(found.length === 1, "no Delete yet");
      return found[0];
    }, "the Delete of the actor");
    const object = del.json.object;
    expect(typeof object === "string" ? object : object?.id).toBe(doomed.uri);
    expect(peer.unverified).toEqual([]);

    const domain = new URL(server.origin).host;
    expect((await fetch(`${server.origin}/.well-known/webfinger?resource=acct:${doomed.username}@${domain}`)).status).toBe(404);
    const actor = await fetch(doomed.uri, { headers: { accept: "application/activity+json" } });
    expect(actor.status).toBe(410);
    expect(await actor.json()).toMatchObject({ id: doomed.uri, type: "Tombstone" });
  });
});
