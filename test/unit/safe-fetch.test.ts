import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertFetchable,
  fetchActivityDocument,
  FetchRefused,
  MAX_BODY_BYTES,
  privateHostReason,
  safeFetch,
  type FetchPolicy,
} from "../../lib/federation/safe-fetch";
import { as2, FakePeer, installFakeNetwork, peerHost, uninstallFakeNetwork } from "./federation-peer";

const strict: FetchPolicy = { allowPrivate: false };
let peer: FakePeer;

beforeAll(() => {
  peer = new FakePeer(peerHost("fetch"));
  installFakeNetwork(peer);
});
afterAll(() => uninstallFakeNetwork());

async function refused(p: Promise<unknown>, pattern: RegExp): Promise<FetchRefused> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FetchRefused);
  expect((err as FetchRefused).message).toMatch(pattern);
  return err as FetchRefused;
}

const redirect = (to: string) => () => new Response(null, { status: 302, headers: { location: to } });

describe("which hosts may be fetched", () => {
  it("refuses loopback, private, link-local and reserved addresses written as literals", () => {
    for (const host of [
      "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1", "169.254.169.254",
      "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "[::1]", "[::]", "[fe80::1]", "[fc00::1]", "[fd12:3456::1]",
      "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:10.1.2.3]", "[64:ff9b::a00:1]", "[ff02::1]",
    ]) {
      expect(privateHostReason(host), host).not.toBeNull();
    }
  });

  it("refuses names that only resolve on private networks", () => {
    for (const host of ["localhost", "LOCALHOST", "foo.localhost", "printer.local", "db.internal", "nas.lan", "router.home.arpa", "intranet", "localhost."]) {
      expect(privateHostReason(host), host).not.toBeNull();
    }
  });

  it("allows public addresses and names", () => {
    for (const host of ["mastodon.social", "8.8.8.8", "172.32.0.1", "192.169.0.1", "[2001:4860:4860::8888]", "peer.test"]) {
      expect(privateHostReason(host), host).toBeNull();
    }
  });

  it("normalizes numeric tricks through the URL parser before checking", () => {
    for (const url of ["https://2130706433/", "https://0x7f.0.0.1/", "https://0177.0.0.1/", "https://127.1/"]) {
      expect(() => assertFetchable(new URL(url), strict), url).toThrow(FetchRefused);
    }
  });

  it("requires https and no credentials; the test-only setting allows http and loopback", () => {
    expect(() => assertFetchable(new URL("http://example.com/"), strict)).toThrow(/http:/);
    expect(() => assertFetchable(new URL("ftp://example.com/"), { allowPrivate: true })).toThrow(/ftp:/);
    expect(() => assertFetchable(new URL("https://user:pw@example.com/"), strict)).toThrow(/credentials/);
    expect(() => assertFetchable(new URL("http://127.0.0.1:8787/"), { allowPrivate: true })).not.toThrow();
  });
});

describe("safeFetch", () => {
  it("follows up to 3 redirects, checking every hop, and signs each hop for its own URL", async () => {
    peer.route("/r1", redirect("/r2")).route("/r2", redirect(`${peer.origin}/r3`)).route("/r3", redirect("/final"));
    peer.route("/final", () => new Response("done"));
    const signed: string[] = [];
    const res = await safeFetch(`${peer.origin}/r1`, { sign: async (url) => (signed.push(url), { signature: `for ${url}` }) }, strict);
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${peer.origin}/final`);
    expect(new TextDecoder().decode(res.body)).toBe("done");
    expect(signed).toEqual(["/r1", "/r2", "/r3", "/final"].map((p) => `${peer.origin}${p}`));
    const finalHop = peer.received((r) => r.url === `${peer.origin}/final`).at(-1)!;
    expect(finalHop.headers.get("signature")).toBe(`for ${peer.origin}/final`);

    peer.route("/r0", redirect("/r1"));
    await refused(safeFetch(`${peer.origin}/r0`, {}, strict), /More than 3 redirects/);
  });

  it("refuses a redirect to a private address or to http", async () => {
    peer.route("/to-metadata", redirect("https://169.254.169.254/latest/meta-data"));
    await refused(safeFetch(`${peer.origin}/to-metadata`, {}, strict), /private IPv4/);
    peer.route("/to-http", redirect(`http://${peer.host}/final`));
    await refused(safeFetch(`${peer.origin}/to-http`, {}, strict), /http:/);
  });

  it("caps bodies at 1 MiB, declared or streamed", async () => {
    peer.route("/declared", () => new Response("x", { headers: { "content-length": String(MAX_BODY_BYTES + 1) } }));
    await refused(safeFetch(`${peer.origin}/declared`, {}, strict), /larger than/);
    peer.route("/streamed", () => {
      let sent = 0;
      const chunk = new Uint8Array(64 * 1024);
      return new Response(new ReadableStream({
        pull(controller) {
          if (sent > MAX_BODY_BYTES + chunk.length) return controller.close();
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      }));
    });
    await refused(safeFetch(`${peer.origin}/streamed`, {}, strict), /larger than/);
    peer.route("/exact", () => new Response(new Uint8Array(MAX_BODY_BYTES)));
    expect((await safeFetch(`${peer.origin}/exact`, {}, strict)).body.byteLength).toBe(MAX_BODY_BYTES);
  });

  it("times out", async () => {
    peer.route("/hang", () => new Promise<Response>(() => {}));
    await refused(safeFetch(`${peer.origin}/hang`, {}, { allowPrivate: false, timeoutMs: 50 }), /Timed out/);
  });
});

describe("fetchActivityDocument", () => {
  const note = (path: string, extra: Record<string, unknown> = {}) => ({ "@context": "https://www.w3.org/ns/activitystreams", id: `${peer.origin}${path}`, type: "Note", ...extra });

  it("returns an AS2 document whose id is the URL fetched", async () => {
    peer.serveJson("/notes/1", note("/notes/1"));
    const { document, url } = await fetchActivityDocument(`${peer.origin}/notes/1`, strict);
    expect(document.id).toBe(url);
    const last = peer.received().at(-1)!;
    expect(last.headers.get("accept")).toContain("application/activity+json");
    peer.route("/notes/ld", () => new Response(JSON.stringify(note("/notes/ld")), { headers: { "content-type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"' } }));
    expect((await fetchActivityDocument(`${peer.origin}/notes/ld`, strict)).document.type).toBe("Note");
  });

  it("refuses documents not served as AS2", async () => {
    peer.route("/notes/html", () => new Response(JSON.stringify(note("/notes/html")), { headers: { "content-type": "text/html" } }));
    await refused(fetchActivityDocument(`${peer.origin}/notes/html`, strict), /not ActivityStreams/);
    peer.route("/notes/json", () => new Response(JSON.stringify(note("/notes/json")), { headers: { "content-type": "application/json" } }));
    await refused(fetchActivityDocument(`${peer.origin}/notes/json`, strict), /not ActivityStreams/);
  });

  it("refetches once by id when the id differs, and refuses if it still differs", async () => {
    peer.serveJson("/notes/alias", note("/notes/canonical"));
    peer.serveJson("/notes/canonical", note("/notes/canonical"));
    const { document, url } = await fetchActivityDocument(`${peer.origin}/notes/alias`, strict);
    expect(url).toBe(`${peer.origin}/notes/canonical`);
    expect(document.id).toBe(url);
    peer.serveJson("/notes/liar", note("/notes/liar2"));
    peer.serveJson("/notes/liar2", note("/notes/liar3"));
    await refused(fetchActivityDocument(`${peer.origin}/notes/liar`, strict), /id does not match/);
  });

  it("checks the id after redirects", async () => {
    peer.route("/moved", redirect("/notes/target"));
    peer.serveJson("/notes/target", note("/notes/target"));
    expect((await fetchActivityDocument(`${peer.origin}/moved`, strict)).url).toBe(`${peer.origin}/notes/target`);
  });

  it("refuses @graph, @included, @reverse, non-objects, missing ids and error statuses", async () => {
    for (const key of ["@graph", "@included", "@reverse"]) {
      peer.serveJson(`/tricks/${key}`, note(`/tricks/${key}`, { [key]: [] }));
      await refused(fetchActivityDocument(`${peer.origin}/tricks/${key}`, strict), new RegExp(key));
    }
    peer.serveJson("/array", [note("/array")]);
    await refused(fetchActivityDocument(`${peer.origin}/array`, strict), /not a JSON object/);
    peer.serveJson("/noid", { type: "Note" });
    await refused(fetchActivityDocument(`${peer.origin}/noid`, strict), /no id/);
    const err = await refused(fetchActivityDocument(`${peer.origin}/missing`, strict), /404/);
    expect(err.status).toBe(404);
    peer.route("/gone", () => as2({}, 410));
    expect((await refused(fetchActivityDocument(`${peer.origin}/gone`, strict), /410/)).status).toBe(410);
  });

  it("never fetches a private address", async () => {
    await refused(fetchActivityDocument("https://10.0.0.5/users/x", strict), /private IPv4/);
    await refused(fetchActivityDocument("https://localhost/users/x", strict), /localhost/);
  });
});
