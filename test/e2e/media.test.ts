import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LocalServer } from "./server";
import { FedifyPeer, type ReceivedActivity } from "./fedify-peer";
import { ensure, eventually, signUp, type Person } from "./federation-helpers";
import { pngFile } from "./png";

/**
 * Media end to end: `masto` uploads, posts and reads attachments against `npm start` (files in
 * wrangler's local R2), and a Fedify peer receives them as Documents and sends its own.
 */

/** A 2×2 RGBA PNG with a text comment (a real image, so the server's decoder has something to read). */
function tinyPng(): Uint8Array {
  const rows = new Uint8Array([0, 255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 0, 255, 0, 255, 255, 255, 0]);
  return pngFile(2, 2, 6, rows, "Comment\0where-i-was");
}

describe("media with masto and a Fedify peer", () => {
  let server: LocalServer;
  let peer: FedifyPeer;
  let alice: Person;

  beforeAll(async () => {
    [server, peer] = await Promise.all([startServer({ ALLOW_PRIVATE_ADDRESSES: "true" }), new FedifyPeer("draft-cavage-http-signatures-12")]);
    await peer.start();
    alice = await signUp(server, `alice_${Date.now().toString(36).slice(-6)}`);
  });

  afterAll(async () => {
    await Promise.all([server?.stop(), peer?.stop()]);
  });

  it("uploads with masto, posts it, reads it back, and the served file has no metadata", async () => {
    const png = tinyPng();
    const media = await alice.client.v2.media.create({ file: new Blob([png], { type: "image/png" }), description: "Four pixels" });
    expect(media.type).toBe("image");
    expect(media.url).toMatch(/\/system\/media\//);
    const status = await alice.client.v1.statuses.create({ status: "pixels", mediaIds: [media.id] });
    expect(status.mediaAttachments.map((m) => m.id)).toEqual([media.id]);
    const read = await alice.client.v1.statuses.$select(status.id).fetch();
    expect(read.mediaAttachments[0]).toMatchObject({ id: media.id, description: "Four pixels", type: "image" });
    const file = await fetch(media.url!);
    expect(file.headers.get("content-type")).toBe("image/png");
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(bytes.includes("where-i-was")).toBe(false);
    const updated = await alice.client.v1.media.$select(media.id).fetch();
    expect(updated.id).toBe(media.id);
  });

  it("a follower on the peer receives the attachment as a Document; the peer's image shows as an attachment", async () => {
    await peer.follow(alice.uri);
    await eventually(async () => {
      const list = await alice.client.v1.accounts.$select(alice.id).followers.list();
      ensure(list.length === 1, "the peer does not follow yet");
    }, "the follow");
    const media = await alice.client.v2.media.create({ file: new Blob([tinyPng()], { type: "image/png" }), description: "For the peer" });
    const status = await alice.client.v1.statuses.create({ status: "to my follower", mediaIds: [media.id] });
    const noteUri = `${alice.uri}/statuses/${status.id}`;
    const create: ReceivedActivity = await eventually(() => {
      const found = peer.receivedOf("Create", (a) => a.json.object?.id === noteUri);
      ensure(found.length === 1, "no Create yet");
      return found[0];
    }, "the Create");
    const attachment = [create.json.object.attachment].flat()[0];
    expect(attachment).toMatchObject({ type: "Document", mediaType: "image/png", url: media.url, name: "For the peer", width: 2, height: 2 });

    const imageUrl = `${peer.origin}/media/sunset.jpg`;
    await peer.post(alice.uri, `<p>@${alice.username} a sunset</p>`, {
      mention: { uri: alice.uri, name: `@${alice.username}@${new URL(server.origin).host}` },
      attachment: { url: imageUrl, mediaType: "image/jpeg", name: "Sunset over water", width: 1200, height: 800 },
    });
    const seen = await eventually(async () => {
      const notes = await alice.client.v1.notifications.list({ types: ["mention"] });
      ensure(notes.length > 0 && !!notes[0].status, "no mention yet");
      return notes[0].status!;
    }, "the mention");
    expect(seen.mediaAttachments[0]).toMatchObject({ type: "image", url: imageUrl, remoteUrl: imageUrl, description: "Sunset over water" });
    expect(peer.unverified).toEqual([]);
  });
});
