import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { signRequest as fedifySign, verifyRequest as fedifyVerify } from "@fedify/fedify/sig";
import {
  cavageSigningString,
  parseCavageHeader,
  prepareCavage,
  signCavage,
  signedRequestHeaders,
} from "../../lib/federation/http-signatures-cavage";
import { prepareRfc9421, signRfc9421 } from "../../lib/federation/http-signatures-rfc9421";
import { contentDigestHeader, digestHeader, verifyContentDigest, verifyDigestHeader } from "../../lib/federation/digest";
import { importPublicKeyPem } from "../../lib/federation/keys";
import { verifyPrepared, type Prepared, type SignedRequestParts } from "../../lib/federation/signatures";
import { api, DOMAIN, registerUser, uniqueName } from "./helpers";
import type { Result } from "../../lib/result";
import { rsaKeyPair, spkiPem } from "./federation-peer";

const enc = (s: string) => new TextEncoder().encode(s);
const INBOX = "https://pronghorn.test/users/alice/inbox";
const KEY_ID = "https://remote.test/users/bob#main-key";
const BODY = '{"type":"Create","id":"https://remote.test/1"}';

async function fixture() {
  const pair = await rsaKeyPair();
  const pem = await spkiPem(pair.publicKey);
  const key = (await importPublicKeyPem(pem))!;
  return { pair, pem, key };
}

/** RSA check of a hand-written signing string: independent of our signing-string builder. */
async function rsaVerifies(pem: string, signingString: string, signatureB64: string): Promise<boolean> {
  const key = (await importPublicKeyPem(pem))!.key;
  const sig = Uint8Array.from(atob(signatureB64), (c) => c.charCodeAt(0));
  return crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, sig, enc(signingString));
}

const statusOf = (r: unknown) => ((r as Result<unknown>).ok ? 200 : (r as { status: number }).status);

const parts = (r: Request): SignedRequestParts => ({ method: r.method, url: r.url, headers: r.headers });

function expectOk(p: Prepared) {
  if (!p.ok) throw new Error(`expected a usable signature, got: ${p.error}`);
  return p.value;
}

function expectRefused(p: Prepared, pattern: RegExp) {
  expect(p.ok).toBe(false);
  if (!p.ok) expect(p.error).toMatch(pattern);
}

/** A POST signed by our cavage signer with the given header list (for coverage tests). */
async function cavagePost(privateKey: CryptoKey, names: string[], headers: Record<string, string> = {}, url = INBOX) {
  const h = new Headers({
    host: new URL(url).host,
    date: new Date().toUTCString(),
    digest: await digestHeader(enc(BODY)),
    "content-type": "application/activity+json",
    ...headers,
  });
  h.set("signature", await signCavage(privateKey, KEY_ID, { method: "POST", url, headers: h }, names));
  return { method: "POST", url, headers: h };
}

describe("draft-cavage signing (ours)", () => {
  it("signs POSTs like Mastodon: (request-target) host date digest content-type, query included", async () => {
    const { pair, pem } = await fixture();
    const url = "https://remote.test/users/bob/inbox?x=1&y=2";
    const digest = await digestHeader(enc(BODY));
    const headers = await signedRequestHeaders(pair.privateKey, { method: "POST", url, keyId: "https://pronghorn.test/users/alice#main-key", digest });
    const sig = parseCavageHeader(headers.signature)!;
    expect(sig.keyId).toBe("https://pronghorn.test/users/alice#main-key");
    expect(sig.algorithm).toBe("rsa-sha256");
    expect(sig.headers).toEqual(["(request-target)", "host", "date", "digest", "content-type"]);
    // Checked independently of our builder: the signing string written out by hand.
    const expected = [
      "(request-target): post /users/bob/inbox?x=1&y=2",
      "host: remote.test",
      `date: ${headers.date}`,
      `digest: ${digest}`,
      "content-type: application/activity+json",
    ].join("\n");
    expect(await rsaVerifies(pem, expected, sig.signature)).toBe(true);
    expect(headers.digest).toMatch(/^SHA-256=[A-Za-z0-9+/]+=*$/);
  });

  it("signs GETs with (request-target) host date accept", async () => {
    const { pair, pem } = await fixture();
    const headers = await signedRequestHeaders(pair.privateKey, { method: "GET", url: "https://remote.test/users/bob", keyId: "https://pronghorn.test/actor#main-key" });
    const sig = parseCavageHeader(headers.signature)!;
    expect(sig.headers).toEqual(["(request-target)", "host", "date", "accept"]);
    expect(headers.accept).toContain("application/activity+json");
    const expected = `(request-target): get /users/bob\nhost: remote.test\ndate: ${headers.date}\naccept: ${headers.accept}`;
    expect(await rsaVerifies(pem, expected, sig.signature)).toBe(true);
  });

  it("is accepted by Fedify's verifier (an independent implementation)", async () => {
    const { pair, pem } = await fixture();
    const keyId = "https://pronghorn.test/users/alice#main-key";
    const url = "https://remote.test/users/bob/inbox";
    const headers = await signedRequestHeaders(pair.privateKey, { method: "POST", url, keyId, digest: await digestHeader(enc(BODY)) });
    const request = new Request(url, { method: "POST", headers, body: BODY });
    const keyDoc = {
      "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
      id: "https://pronghorn.test/users/alice",
      type: "Person",
      inbox: "https://pronghorn.test/users/alice/inbox",
      publicKey: { id: keyId, owner: "https://pronghorn.test/users/alice", publicKeyPem: pem },
    };
    const key = await fedifyVerify(request, {
      documentLoader: async (u: string) => ({ contextUrl: null, documentUrl: u, document: keyDoc }),
    });
    expect(key?.id?.href).toBe(keyId);
  });
});

describe("draft-cavage verification", () => {
  it("accepts a request signed by Fedify (firstKnock cavage) and checks its digest", async () => {
    const { pair, key } = await fixture();
    const signed = await fedifySign(new Request(INBOX, { method: "POST", body: BODY, headers: { "content-type": "application/activity+json" } }), pair.privateKey, new URL(KEY_ID));
    const p = expectOk(prepareCavage(parts(signed), Date.now()));
    expect(p.keyId).toBe(KEY_ID);
    expect(p.digest).toBe("digest");
    expect(await verifyPrepared(p, key)).toBe(true);
    expect(await verifyDigestHeader(signed.headers.get("digest")!, enc(BODY))).toEqual({ ok: true });
  });

  it("accepts hs2019 and (created) in place of date", async () => {
    const { pair, key } = await fixture();
    const created = Math.floor(Date.now() / 1000);
    const h = new Headers({ host: "pronghorn.test", digest: await digestHeader(enc(BODY)) });
    const names = ["(request-target)", "(created)", "host", "digest"];
    const str = cavageSigningString({ method: "POST", url: INBOX, headers: h }, names, { created })!;
    const sigBytes = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, enc(str)));
    const b64 = btoa(String.fromCharCode(...sigBytes));
    h.set("signature", `keyId="${KEY_ID}",algorithm="hs2019",created=${created},headers="${names.join(" ")}",signature="${b64}"`);
    const p = expectOk(prepareCavage({ method: "POST", url: INBOX, headers: h }, Date.now()));
    expect(p.algorithm).toBe("hs2019");
    expect(await verifyPrepared(p, key)).toBe(true);
  });

  it("refuses a POST whose signature does not cover digest, host or (request-target)", async () => {
    const { pair } = await fixture();
    expectRefused(prepareCavage(await cavagePost(pair.privateKey, ["(request-target)", "host", "date"]), Date.now()), /digest/);
    expectRefused(prepareCavage(await cavagePost(pair.privateKey, ["(request-target)", "date", "digest"]), Date.now()), /host/);
    expectRefused(prepareCavage(await cavagePost(pair.privateKey, ["host", "date", "digest"]), Date.now()), /request-target/);
    expectRefused(prepareCavage(await cavagePost(pair.privateKey, ["(request-target)", "host", "digest"]), Date.now()), /date/);
  });

  it("refuses a GET that does not cover host or date", async () => {
    const { pair } = await fixture();
    const url = "https://pronghorn.test/users/alice/followers";
    const h = new Headers({ host: "pronghorn.test", date: new Date().toUTCString(), accept: "application/activity+json" });
    h.set("signature", await signCavage(pair.privateKey, KEY_ID, { method: "GET", url, headers: h }, ["(request-target)", "date", "accept"]));
    expectRefused(prepareCavage({ method: "GET", url, headers: h }, Date.now()), /host/);
    h.set("signature", await signCavage(pair.privateKey, KEY_ID, { method: "GET", url, headers: h }, ["(request-target)", "host"]));
    expectRefused(prepareCavage({ method: "GET", url, headers: h }, Date.now()), /date/);
    h.set("signature", await signCavage(pair.privateKey, KEY_ID, { method: "GET", url, headers: h }, ["(request-target)", "host", "date"]));
    expect(prepareCavage({ method: "GET", url, headers: h }, Date.now()).ok).toBe(true);
  });

  it("accepts a Date within an hour and refuses one older or further ahead", async () => {
    const { pair, key } = await fixture();
    const names = ["(request-target)", "host", "date", "digest", "content-type"];
    const at = (ms: number) => new Date(Date.now() + ms).toUTCString();
    const recent = await cavagePost(pair.privateKey, names, { date: at(-59 * 60_000) });
    expect(await verifyPrepared(expectOk(prepareCavage(recent, Date.now())), key)).toBe(true);
    expectRefused(prepareCavage(await cavagePost(pair.privateKey, names, { date: at(-61 * 60_000) }), Date.now()), /window/);
    expectRefused(prepareCavage(await cavagePost(pair.privateKey, names, { date: at(61 * 60_000) }), Date.now()), /window/);
  });

  it("fails verification when a covered header or the signature was altered", async () => {
    const { pair, key } = await fixture();
    const names = ["(request-target)", "host", "date", "digest", "content-type"];
    const req = await cavagePost(pair.privateKey, names);
    req.headers.set("date", new Date(Date.now() - 5 * 60_000).toUTCString());
    expect(await verifyPrepared(expectOk(prepareCavage(req, Date.now())), key)).toBe(false);
    const other = await cavagePost(pair.privateKey, names);
    const moved = { ...other, url: "https://pronghorn.test/users/mallory/inbox" };
    expect(await verifyPrepared(expectOk(prepareCavage(moved, Date.now())), key)).toBe(false);
    const wrongKey = (await fixture()).key;
    expect(await verifyPrepared(expectOk(prepareCavage(other, Date.now())), wrongKey)).toBe(false);
  });

  it("refuses unknown algorithms, duplicate headers and malformed headers", async () => {
    const { pair } = await fixture();
    const req = await cavagePost(pair.privateKey, ["(request-target)", "host", "date", "digest"]);
    req.headers.set("signature", req.headers.get("signature")!.replace('algorithm="rsa-sha256"', 'algorithm="hmac-sha256"'));
    expectRefused(prepareCavage(req, Date.now()), /algorithm/);
    const dup = await cavagePost(pair.privateKey, ["(request-target)", "host", "host", "date", "digest"]);
    expectRefused(prepareCavage(dup, Date.now()), /twice/);
    req.headers.set("signature", 'keyId="x",signature=');
    expectRefused(prepareCavage(req, Date.now()), /Malformed/);
    req.headers.delete("signature");
    expectRefused(prepareCavage(req, Date.now()), /Missing/);
  });
});

describe("RFC 9421 verification", () => {
  it("accepts a POST signed by Fedify with RFC 9421", async () => {
    const { pair, key } = await fixture();
    const signed = await fedifySign(
      new Request(INBOX, { method: "POST", body: BODY, headers: { "content-type": "application/activity+json" } }),
      pair.privateKey,
      new URL(KEY_ID),
      { spec: "rfc9421" },
    );
    const p = expectOk(prepareRfc9421(parts(signed), Date.now()));
    expect(p.scheme).toBe("rfc9421");
    expect(p.keyId).toBe(KEY_ID);
    expect(p.digest).toBe("content-digest");
    expect(await verifyPrepared(p, key)).toBe(true);
    expect(await verifyContentDigest(signed.headers.get("content-digest")!, enc(BODY))).toEqual({ ok: true });
  });

  it("signs in a form Fedify's verifier accepts, and so do we", async () => {
    const { pair, pem, key } = await fixture();
    const keyId = "https://pronghorn.test/users/alice#main-key";
    const url = "https://remote.test/users/bob/inbox";
    const headers = new Headers({ "content-digest": await contentDigestHeader(enc(BODY)), "content-type": "application/activity+json" });
    const sig = await signRfc9421(pair.privateKey, keyId, { method: "POST", url, headers });
    headers.set("signature-input", sig["signature-input"]);
    headers.set("signature", sig.signature);
    expect(await verifyPrepared(expectOk(prepareRfc9421({ method: "POST", url, headers }, Date.now())), key)).toBe(true);
    const keyDoc = {
      "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
      id: "https://pronghorn.test/users/alice",
      type: "Person",
      inbox: "https://pronghorn.test/users/alice/inbox",
      publicKey: { id: keyId, owner: "https://pronghorn.test/users/alice", publicKeyPem: pem },
    };
    const verified = await fedifyVerify(new Request(url, { method: "POST", headers, body: BODY }), {
      spec: "rfc9421",
      documentLoader: async (u: string) => ({ contextUrl: null, documentUrl: u, document: keyDoc }),
    });
    expect(verified?.id?.href).toBe(keyId);
  });

  async function rfcPost(privateKey: CryptoKey, components: string[], options: { created?: number; url?: string; mutate?: (input: string) => string } = {}) {
    const url = options.url ?? INBOX;
    const headers = new Headers({ host: new URL(url).host, "content-digest": await contentDigestHeader(enc(BODY)) });
    const sig = await signRfc9421(privateKey, KEY_ID, { method: "POST", url, headers }, { components, created: options.created });
    headers.set("signature-input", options.mutate ? options.mutate(sig["signature-input"]) : sig["signature-input"]);
    headers.set("signature", sig.signature);
    return { method: "POST", url, headers };
  }

  it("refuses signatures that do not bind method, target and body (unlike Fedify's verifier)", async () => {
    const { pair } = await fixture();
    expectRefused(prepareRfc9421(await rfcPost(pair.privateKey, ["@target-uri", "content-digest"]), Date.now()), /@method/);
    expectRefused(prepareRfc9421(await rfcPost(pair.privateKey, ["@method", "content-digest"]), Date.now()), /@target-uri/);
    expectRefused(prepareRfc9421(await rfcPost(pair.privateKey, ["@method", "@target-uri"]), Date.now()), /content-digest/);
    expectRefused(prepareRfc9421(await rfcPost(pair.privateKey, ["@method", "@authority", "content-digest"]), Date.now()), /@target-uri/);
    const withQuery = `${INBOX}?q=1`;
    expectRefused(prepareRfc9421(await rfcPost(pair.privateKey, ["@method", "@authority", "@path", "content-digest"], { url: withQuery }), Date.now()), /@target-uri/);
    const ok = await rfcPost(pair.privateKey, ["@method", "@authority", "@path", "@query", "content-digest"], { url: withQuery });
    expect(prepareRfc9421(ok, Date.now()).ok).toBe(true);
  });

  it("requires created (within an hour) and keyid, and honours expires", async () => {
    const { pair } = await fixture();
    const c = ["@method", "@target-uri", "content-digest"];
    const now = Math.floor(Date.now() / 1000);
    expectRefused(prepareRfc9421(await rfcPost(pair.privateKey, c, { created: now - 3700 }), Date.now()), /created/);
    expectRefused(prepareRfc9421(await rfcPost(pair.privateKey, c, { created: now + 3700 }), Date.now()), /created/);
    expectRefused(prepareRfc9421(await rfcPost(pair.privateKey, c, { mutate: (s) => s.replace(/;created=\d+/, "") }), Date.now()), /created/);
    expectRefused(prepareRfc9421(await rfcPost(pair.privateKey, c, { mutate: (s) => s.replace(/;keyid="[^"]*"/, "") }), Date.now()), /keyid/);
    expectRefused(prepareRfc9421(await rfcPost(pair.privateKey, c, { mutate: (s) => `${s};expires=${now - 10}` }), Date.now()), /expired/);
    expectRefused(prepareRfc9421(await rfcPost(pair.privateKey, c, { mutate: (s) => s.replace("rsa-v1_5-sha256", "hmac-sha256") }), Date.now()), /algorithm/);
  });

  it("fails verification when the signature parameters or target were altered", async () => {
    const { pair, key } = await fixture();
    const c = ["@method", "@target-uri", "content-digest"];
    const tampered = await rfcPost(pair.privateKey, c, { mutate: (s) => s.replace(/created=(\d+)/, (_, n) => `created=${Number(n) - 1}`) });
    expect(await verifyPrepared(expectOk(prepareRfc9421(tampered, Date.now())), key)).toBe(false);
    const moved = { ...(await rfcPost(pair.privateKey, c)), url: "https://pronghorn.test/inbox" };
    expect(await verifyPrepared(expectOk(prepareRfc9421(moved, Date.now())), key)).toBe(false);
  });

  it("uses the first acceptable signature label when several are present", async () => {
    const { pair, key } = await fixture();
    const weak = await rfcPost(pair.privateKey, ["@method", "content-digest"]);
    const strong = await rfcPost(pair.privateKey, ["@method", "@target-uri", "content-digest"]);
    const headers = new Headers(strong.headers);
    headers.set("signature-input", `weak=${weak.headers.get("signature-input")!.slice(5)}, ${strong.headers.get("signature-input")}`);
    headers.set("signature", `weak=${weak.headers.get("signature")!.slice(5)}, ${strong.headers.get("signature")}`);
    const p = expectOk(prepareRfc9421({ method: "POST", url: INBOX, headers }, Date.now()));
    expect(await verifyPrepared(p, key)).toBe(true);
  });
});

describe("body digests", () => {
  const body = enc(BODY);
  it("checks Digest: SHA-256 (and SHA-512), refusing mismatches and unknown-only algorithms", async () => {
    expect(await verifyDigestHeader(await digestHeader(body), body)).toEqual({ ok: true });
    const sha512 = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-512", body))));
    expect((await verifyDigestHeader(`SHA-512=${sha512}`, body)).ok).toBe(true);
    expect((await verifyDigestHeader(await digestHeader(enc("other")), body)).ok).toBe(false);
    expect((await verifyDigestHeader("MD5=abc=", body)).ok).toBe(false);
    expect((await verifyDigestHeader("SHA-256", body)).ok).toBe(false);
  });

  it("checks Content-Digest: sha-256=:...:", async () => {
    expect(await verifyContentDigest(await contentDigestHeader(body), body)).toEqual({ ok: true });
    expect((await verifyContentDigest(await contentDigestHeader(enc("other")), body)).ok).toBe(false);
    expect((await verifyContentDigest("sha-256=abc", body)).ok).toBe(false);
    expect((await verifyContentDigest("md5=:YWJj:", body)).ok).toBe(false);
  });
});

describe("signing inside objects (keys never leave)", () => {
  it("AccountObject.signRequest signs with the account's key, only for its own key id", async () => {
    const user = await registerUser(uniqueName("signer"));
    const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(user.id));
    const record = (await stub.get())!;
    const keyId = `https://${DOMAIN}/users/${user.username}#main-key`;
    const url = "https://remote.test/inbox";
    const digest = await digestHeader(enc(BODY));
    const signed = await stub.signRequest({ method: "POST", url, keyId, digest });
    expect(signed.ok).toBe(true);
    if (!signed.ok) return;
    const request = { method: "POST", url, headers: new Headers(signed.value) };
    const p = expectOk(prepareCavage(request, Date.now()));
    expect(p.keyId).toBe(keyId);
    expect(await verifyPrepared(p, (await importPublicKeyPem(record.public_key_pem))!)).toBe(true);

    const other = await stub.signRequest({ method: "POST", url, keyId: `https://${DOMAIN}/users/someoneelse#main-key`, digest });
    expect(statusOf(other)).toBe(403);
    const noDigest = await stub.signRequest({ method: "POST", url, keyId });
    expect(statusOf(noDigest)).toBe(422);
  });

  it("the instance actor signs GETs with the key published at /actor, readable without a signature", async () => {
    const res = await api("/actor", { headers: { accept: "application/activity+json" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/activity+json");
    const doc = (await res.json()) as Record<string, any>;
    expect(doc.id).toBe(`https://${DOMAIN}/actor`);
    expect(doc.type).toBe("Application");
    expect(doc.preferredUsername).toBe(DOMAIN);
    expect(doc.inbox).toBe(`https://${DOMAIN}/actor/inbox`);
    expect(doc.publicKey.id).toBe(`https://${DOMAIN}/actor#main-key`);
    expect(doc.publicKey.owner).toBe(doc.id);

    const stub = env.INSTANCE_ACTOR.get(env.INSTANCE_ACTOR.idFromName("instance-actor"));
    const signed = (await stub.signRequest({ method: "GET", url: "https://remote.test/users/bob", keyId: doc.publicKey.id })) as Result<Record<string, string>>;
    if (!signed.ok) throw new Error(signed.error);
    const p = expectOk(prepareCavage({ method: "GET", url: "https://remote.test/users/bob", headers: new Headers(signed.value) }, Date.now()));
    expect(await verifyPrepared(p, (await importPublicKeyPem(doc.publicKey.publicKeyPem))!)).toBe(true);
    const refused = await stub.signRequest({ method: "GET", url: "https://remote.test/x", keyId: `https://${DOMAIN}/users/admin#main-key` });
    expect(refused.ok).toBe(false);
  });
});
