import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uninstallFakeNetwork, type PeerActor } from "./federation-peer";
import { byUri, createOf, deliver, followRemote, homeOf, localUser, noteOf, remoteServer, type Remote } from "./federation-handlers-helpers";
import { api, bearer, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { photo, upload } from "./media-helpers";
import { post } from "./status-helpers";

/** Attachments across federation: Documents in and out, avatars as the actor's icon. */
let server: Remote;
let carol: PeerActor;
let alice: TestUser;

beforeAll(async () => {
  server = remoteServer("fm");
  carol = await server.actor("carol");
  alice = await localUser("alice");
  await followRemote(alice, carol);
});
afterAll(() => uninstallFakeNetwork());

const AS2 = { accept: "application/activity+json" };

describe("inbound attachments", () => {
  it("shows a remote post's image as an attachment pointing at its origin", async () => {
    const url = `${server.peer.origin}/media/cat.jpg`;
    const note = noteOf(carol, { content: "<p>A cat</p>" });
    note.attachment = [
      { type: "Document", mediaType: "image/jpeg", url, name: "A grey cat", blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", focalPoint: [0.5, -0.5], width: 800, height: 600 },
      { type: "Document", mediaType: "video/mp4", url: `${server.peer.origin}/media/clip.mp4`, name: null },
    ];
    const entry = await deliver(createOf(carol, note), carol);
    expect(entry).toMatchObject({ state: "done", outcome: "handled" });
    const seen = byUri(await homeOf(alice), note.id as string);
    expectSchema(seen, "Status");
    expect(seen.media_attachments).toHaveLength(2);
    const [image, video] = seen.media_attachments;
    expect(image).toMatchObject({ type: "image", url, remote_url: url, description: "A grey cat", blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj" });
    expect(image.meta).toMatchObject({ original: { width: 800, height: 600 }, focus: { x: 0.5, y: -0.5 } });
    expect(image.id).toMatch(/^\d+$/);
    expect(video).toMatchObject({ type: "video", description: null });
    const onlyMedia = await api(`/api/v1/accounts/${seen.account.id}/statuses?only_media=true`, { headers: bearer(alice.token) });
    expect(((await onlyMedia.json()) as any[]).map((s) => s.id)).toContain(seen.id);
  });
});

describe("outbound attachments", () => {
  it("serves a status's media as Documents in its Note, and the avatar as the actor's icon", async () => {
    const media = await upload(alice.token, await photo(), { fields: { description: "Red corner", focus: "0.25,0.75" } });
    const status = await post(alice, { status: "look", media_ids: [media.id] });
    const res = await api(`/users/${alice.username}/statuses/${status.id}`, { headers: AS2 });
    expect(res.status).toBe(200);
    const note: any = await res.json();
    expect(note.attachment).toEqual([
      {
        type: "Document",
        mediaType: "image/jpeg",
        url: media.url,
        name: "Red corner",
        blurhash: media.blurhash,
        focalPoint: [0.25, 0.75],
        width: media.meta.original.width,
        height: media.meta.original.height,
      },
    ]);

    const form = new FormData();
    form.set("avatar", new File([await photo()], "me.jpg", { type: "image/jpeg" }));
    const updated: any = await (await api("/api/v1/accounts/update_credentials", { method: "PATCH", headers: bearer(alice.token), body: form })).json();
    const actor: any = await (await api(`/users/${alice.username}`, { headers: AS2 })).json();
    expect(actor.icon).toEqual({ type: "Image", mediaType: "image/jpeg", url: updated.avatar });
  });
});
