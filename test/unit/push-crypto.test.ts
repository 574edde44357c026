import { describe, expect, it } from "vitest";
import { encryptAes128gcmWith } from "../../lib/push/aes128gcm";
import { encryptAesgcmWith } from "../../lib/push/aesgcm";
import {
  createVapidToken,
  encryptPayload,
  exportVapidJwk,
  exportVapidRaw,
  fitJsonPayload,
  generateVapidKeys,
  importSubscriptionKeys,
  importVapidJwk,
  importVapidRaw,
  mastodonVapidKey,
  maxPlaintextBytes,
  normalizeSubscriptionKeys,
  truncateUtf8,
  type PushResult,
  type SubscriptionKeys,
} from "../../lib/push";
import {
  decryptAes128gcm,
  decryptAesgcm,
  ecdhWith,
  fromBase64url,
  newSubscriberKeys,
  subscriberKeysFrom,
  toBase64url,
  verifyVapidToken,
  type SubscriberKeys,
} from "./push-receiver";

/** RFC 8291 §5 and Appendix A: the worked example, with its keys, salt and intermediate values. */
const RFC8291 = {
  plaintext: "When I grow up, I want to be a watermelon",
  asPublic: "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
  asPrivate: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
  uaPublic: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  uaPrivate: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
  salt: "DGv6ra1nlYgDCS1FRnbzlw",
  auth: "BTBZMqHH6r4Tts7J_aSIgg",
  cek: "oIhVW04MRdy2XN9CiKLxTg",
  nonce: "4h_95klXJ5E_qnoN",
  body:
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml" +
    "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT" +
    "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

const text = new TextEncoder();

function unwrap<T>(result: PushResult<T>): T {
  if (!result.ok) throw new Error(`${result.code}: ${result.error}`);
  return result.value;
}
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The RFC's application server key pair as a sender key (ECDH). */
async function rfcSender(): Promise<{ privateKey: CryptoKey; publicKey: Uint8Array }> {
  const keys = await subscriberKeysFrom(RFC8291.asPrivate, RFC8291.asPublic, RFC8291.auth);
  return { privateKey: keys.privateKey, publicKey: keys.publicKey };
}

async function receiverKeysFor(subscriber: SubscriberKeys): Promise<SubscriptionKeys> {
  const imported = await importSubscriptionKeys({ p256dh: toBase64url(subscriber.publicKey), auth: toBase64url(subscriber.auth) });
  if (!imported.ok) throw new Error(imported.error);
  return imported.value;
}

/** Standard base64 with `+/` and `=` padding, the other spelling some apps send. */
const toStandardBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

describe("RFC 8291 example (Appendix A)", () => {
  it("has consistent key pairs: both sides derive the same ECDH secret", async () => {
    const ua = await subscriberKeysFrom(RFC8291.uaPrivate, RFC8291.uaPublic, RFC8291.auth);
    const as = await rfcSender();
    const asPublic = await crypto.subtle.importKey("raw", as.publicKey, { name: "ECDH", namedCurve: "P-256" }, false, []);
    const uaPublic = await crypto.subtle.importKey("raw", ua.publicKey, { name: "ECDH", namedCurve: "P-256" }, false, []);
    const one = await crypto.subtle.deriveBits(ecdhWith(asPublic), ua.privateKey, 256);
    const two = await crypto.subtle.deriveBits(ecdhWith(uaPublic), as.privateKey, 256);
    expect(toBase64url(one)).toBe(toBase64url(two));
  });

  it("decrypts the RFC's message with the user agent's keys, through the RFC's CEK and nonce", async () => {
    const ua = await subscriberKeysFrom(RFC8291.uaPrivate, RFC8291.uaPublic, RFC8291.auth);
    const { plaintext, steps } = await decryptAes128gcm(ua, fromBase64url(RFC8291.body));
    expect(decode(plaintext)).toBe(RFC8291.plaintext);
    expect(toBase64url(steps.cek)).toBe(RFC8291.cek);
    expect(toBase64url(steps.nonce)).toBe(RFC8291.nonce);
    expect(steps.recordSize).toBe(4096);
    expect(toBase64url(steps.senderPublicKey)).toBe(RFC8291.asPublic);
  });

  it("encrypting with the RFC's salt and sender keys reproduces its body byte for byte", async () => {
    const receiver = await importSubscriptionKeys({ p256dh: RFC8291.uaPublic, auth: RFC8291.auth });
    if (!receiver.ok) throw new Error(receiver.error);
    const body = await encryptAes128gcmWith(text.encode(RFC8291.plaintext), receiver.value, await rfcSender(), fromBase64url(RFC8291.salt));
    expect(toBase64url(body)).toBe(RFC8291.body);
  });
});

describe("content codings, decrypted by the independent receiver", () => {
  it("aes128gcm: fresh keys and salt each time, the receiver gets the payload back", async () => {
    const subscriber = await newSubscriberKeys();
    const receiver = await receiverKeysFor(subscriber);
    const first = await encryptPayload("aes128gcm", '{"title":"hé ✓"}', receiver);
    const second = await encryptPayload("aes128gcm", '{"title":"hé ✓"}', receiver);
    if (!first.ok || !second.ok) throw new Error("encryption failed");
    expect(first.value.headers).toEqual({ "Content-Encoding": "aes128gcm" });
    expect(toBase64url(first.value.body.slice(0, 16))).not.toBe(toBase64url(second.value.body.slice(0, 16)));
    expect(decode((await decryptAes128gcm(subscriber, first.value.body)).plaintext)).toBe('{"title":"hé ✓"}');
  });

  it("aesgcm: salt and dh travel in headers; 2-byte zero padding length; the receiver gets the payload back", async () => {
    const subscriber = await newSubscriberKeys();
    const encrypted = await encryptPayload("aesgcm", "legacy ✓", await receiverKeysFor(subscriber));
    if (!encrypted.ok) throw new Error(encrypted.error);
    const { headers, body } = encrypted.value;
    expect(headers["Content-Encoding"]).toBe("aesgcm");
    expect(headers.Encryption).toMatch(/^salt=[A-Za-z0-9_-]{22}$/);
    expect(headers["Crypto-Key"]).toMatch(/^dh=B[A-Za-z0-9_-]{86}$/);
    expect(body.length).toBe(2 + text.encode("legacy ✓").length + 16);
    expect(decode(await decryptAesgcm(subscriber, body, headers.Encryption, headers["Crypto-Key"]))).toBe("legacy ✓");
  });

  it("aesgcm with fixed salt and sender keys is deterministic and bound to the auth secret", async () => {
    const subscriber = await newSubscriberKeys();
    const receiver = await receiverKeysFor(subscriber);
    const sender = await rfcSender();
    const salt = fromBase64url(RFC8291.salt);
    const a = await encryptAesgcmWith(text.encode("x"), receiver, sender, salt);
    const b = await encryptAesgcmWith(text.encode("x"), receiver, sender, salt);
    expect(toBase64url(a)).toBe(toBase64url(b));
    const headers = [`salt=${RFC8291.salt}`, `dh=${RFC8291.asPublic}`] as const;
    expect(decode(await decryptAesgcm(subscriber, a, ...headers))).toBe("x");
    const wrongAuth = { ...subscriber, auth: crypto.getRandomValues(new Uint8Array(16)) };
    await expect(decryptAesgcm(wrongAuth, a, ...headers)).rejects.toThrow();
  });
});

describe("subscription keys", () => {
  it("accepts base64url and standard base64 with padding, and stores one spelling", async () => {
    const subscriber = await newSubscriberKeys();
    const url = { p256dh: toBase64url(subscriber.publicKey), auth: toBase64url(subscriber.auth) };
    const standard = { p256dh: toStandardBase64(subscriber.publicKey), auth: toStandardBase64(subscriber.auth) };
    expect(standard.auth.endsWith("==")).toBe(true);
    const fromUrl = await normalizeSubscriptionKeys(url);
    const fromStandard = await normalizeSubscriptionKeys(standard);
    expect(fromUrl).toEqual({ ok: true, value: url });
    expect(fromStandard).toEqual({ ok: true, value: url });
    const paddedUrl = await normalizeSubscriptionKeys({ p256dh: url.p256dh + "=", auth: url.auth + "==" });
    expect(paddedUrl).toEqual({ ok: true, value: url });
  });

  it("rejects p256dh of the wrong length, compressed, off the curve, or not base64", async () => {
    const subscriber = await newSubscriberKeys();
    const auth = toBase64url(subscriber.auth);
    const point = subscriber.publicKey;
    const offCurve = point.slice();
    offCurve[64] ^= 1;
    const compressed = new Uint8Array([2 + (point[64] & 1), ...point.slice(1, 33)]);
    const cases: [string, RegExp][] = [
      [toBase64url(point.slice(0, 64)), /65 bytes, got 64/],
      [toBase64url(new Uint8Array([...point, 0])), /65 bytes, got 66/],
      [toBase64url(compressed), /65 bytes, got 33/],
      [toBase64url(new Uint8Array([3, ...point.slice(1)])), /uncompressed/],
      [toBase64url(offCurve), /not a point on the P-256 curve/],
      ["not base64!", /not base64/],
      [toBase64url(point).slice(0, 40) + "+" + toBase64url(point).slice(41).replace(/^./, "_"), /not base64/],
    ];
    for (const [p256dh, message] of cases) {
      const result = await importSubscriptionKeys({ p256dh, auth });
      expect(result.ok, p256dh).toBe(false);
      if (!result.ok) {
        expect(result.code).toBe("invalid_p256dh");
        expect(result.error).toMatch(message);
      }
    }
  });

  it("rejects auth secrets that are not 16 bytes", async () => {
    const subscriber = await newSubscriberKeys();
    const p256dh = toBase64url(subscriber.publicKey);
    for (const bytes of [15, 17, 0]) {
      const result = await importSubscriptionKeys({ p256dh, auth: toStandardBase64(new Uint8Array(bytes).fill(7)) });
      expect(result).toMatchObject({ ok: false, code: "invalid_auth" });
      if (!result.ok && bytes) expect(result.error).toContain(`got ${bytes}`);
    }
    expect(await importSubscriptionKeys({ p256dh, auth: "a" })).toMatchObject({ ok: false, code: "invalid_auth" });
    expect(await importSubscriptionKeys({ p256dh, auth: undefined as unknown as string })).toMatchObject({ ok: false, code: "invalid_auth" });
  });
});

describe("VAPID keys and tokens", () => {
  it("exports and imports as JWK and as raw base64url, keeping the 65-byte public point", async () => {
    const keys = await generateVapidKeys();
    expect(fromBase64url(keys.publicKey)).toHaveLength(65);
    expect(fromBase64url(keys.publicKey)[0]).toBe(4);
    const jwk = unwrap(await exportVapidJwk(keys));
    const raw = unwrap(await exportVapidRaw(keys));
    expect(fromBase64url(raw.privateKey)).toHaveLength(32);
    const fromJwk = await importVapidJwk(JSON.stringify(jwk));
    const fromRaw = await importVapidRaw({ publicKey: mastodonVapidKey(raw.publicKey), privateKey: raw.privateKey });
    if (!fromJwk.ok || !fromRaw.ok) throw new Error("import failed");
    expect(fromJwk.value.publicKey).toBe(keys.publicKey);
    expect(fromRaw.value.publicKey).toBe(keys.publicKey);
    const token = await createVapidToken(fromRaw.value, { endpoint: "https://push.example/x", subject: "mailto:admin@pronghorn.test" });
    if (!token.ok) throw new Error(token.error);
    await verifyVapidToken(token.value, keys.publicKey, "https://push.example");
  });

  it("shows the key as Mastodon does (padded base64url) and imports the directory's stored JWK", async () => {
    const keys = await generateVapidKeys();
    expect(mastodonVapidKey(keys.publicKey)).toBe(keys.publicKey + "=");
    const stored = JSON.stringify(await crypto.subtle.exportKey("jwk", keys.privateKey));
    expect(await importVapidJwk(stored)).toMatchObject({ ok: true, value: { publicKey: keys.publicKey } });
  });

  it("refuses broken or mismatched key material", async () => {
    const one = unwrap(await exportVapidRaw(await generateVapidKeys()));
    const two = unwrap(await exportVapidRaw(await generateVapidKeys()));
    expect(await importVapidRaw({ publicKey: one.publicKey, privateKey: two.privateKey })).toMatchObject({ ok: false, code: "invalid_vapid_key" });
    expect(await importVapidRaw({ publicKey: one.publicKey.slice(4), privateKey: one.privateKey })).toMatchObject({ ok: false, code: "invalid_vapid_key" });
    expect(await importVapidJwk("{not json")).toMatchObject({ ok: false, code: "invalid_vapid_key" });
    expect(await importVapidJwk({ kty: "RSA" })).toMatchObject({ ok: false, code: "invalid_vapid_key" });
    const locked = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"])) as CryptoKeyPair;
    expect(await exportVapidJwk({ publicKey: one.publicKey, privateKey: locked.privateKey })).toMatchObject({ ok: false, code: "invalid_vapid_key" });
  });

  it("signs ES256 tokens: aud is the endpoint's origin, exp 12 h ahead, sub as given; tampering is caught", async () => {
    const keys = await generateVapidKeys();
    const now = Date.UTC(2026, 0, 1);
    const token = await createVapidToken(keys, { endpoint: "https://fcm.example:8443/fcm/send/abc?x=1", subject: "https://pronghorn.test/about", now });
    if (!token.ok) throw new Error(token.error);
    const claims = await verifyVapidToken(token.value, keys.publicKey, "https://fcm.example:8443", now);
    expect(claims).toEqual({ aud: "https://fcm.example:8443", exp: now / 1000 + 12 * 3600, sub: "https://pronghorn.test/about" });
    const [header, payload, signature] = token.value.split(".");
    expect(fromBase64url(signature)).toHaveLength(64);
    const forged = toBase64url(text.encode(JSON.stringify({ ...claims, aud: "https://evil.example" })));
    await expect(verifyVapidToken(`${header}.${forged}.${signature}`, keys.publicKey, "https://evil.example", now)).rejects.toThrow(/signature/);
    const other = await generateVapidKeys();
    await expect(verifyVapidToken(token.value, other.publicKey, "https://fcm.example:8443", now)).rejects.toThrow(/signature/);
    await expect(verifyVapidToken(token.value, keys.publicKey, "https://other.example", now)).rejects.toThrow(/aud/);
    await expect(verifyVapidToken(token.value, keys.publicKey, "https://fcm.example:8443", now + 13 * 3600_000)).rejects.toThrow(/expired/);
    expect(payload).not.toContain("=");
  });

  it("refuses subjects that are neither mailto: nor https:", async () => {
    const keys = await generateVapidKeys();
    for (const subject of ["admin@pronghorn.test", "http://pronghorn.test", "mailto:nobody", ""]) {
      expect(await createVapidToken(keys, { endpoint: "https://push.example/x", subject })).toMatchObject({ ok: false, code: "invalid_subject" });
    }
  });
});

describe("the 4096-byte body limit", () => {
  it("the largest payload fills exactly 4096 bytes in each coding; one byte more is refused", async () => {
    const subscriber = await newSubscriberKeys();
    const receiver = await receiverKeysFor(subscriber);
    expect(maxPlaintextBytes("aes128gcm")).toBe(3993);
    expect(maxPlaintextBytes("aesgcm")).toBe(4078);
    for (const encoding of ["aes128gcm", "aesgcm"] as const) {
      const max = maxPlaintextBytes(encoding);
      const fits = await encryptPayload(encoding, new Uint8Array(max).fill(97), receiver);
      if (!fits.ok) throw new Error(fits.error);
      expect(fits.value.body).toHaveLength(4096);
      const back =
        encoding === "aes128gcm"
          ? (await decryptAes128gcm(subscriber, fits.value.body)).plaintext
          : await decryptAesgcm(subscriber, fits.value.body, fits.value.headers.Encryption, fits.value.headers["Crypto-Key"]);
      expect(back).toHaveLength(max);
      const over = await encryptPayload(encoding, new Uint8Array(max + 1), receiver);
      expect(over).toMatchObject({ ok: false, code: "payload_too_large" });
      if (!over.ok) expect(over.error).toContain("4097 bytes");
    }
  });

  it("truncates text by UTF-8 bytes without splitting characters", () => {
    expect(truncateUtf8("short", 10)).toBe("short");
    expect(truncateUtf8("abcdefghij", 6)).toBe("abc…");
    expect(truncateUtf8("ééééé", 7)).toBe("éé…");
    expect(truncateUtf8("🦌🦌🦌", 9)).toBe("🦌…");
    expect(truncateUtf8("🦌🦌🦌", 2)).toBe("");
  });

  it("fits a JSON payload by shortening one field, and says when it cannot", () => {
    const long = { title: "Someone mentioned you", body: "🦌 “quoted” ".repeat(400) };
    for (const encoding of ["aes128gcm", "aesgcm"] as const) {
      const fitted = fitJsonPayload(long, "body", encoding);
      if (!fitted.ok) throw new Error(fitted.error);
      const bytes = text.encode(fitted.value).length;
      expect(bytes).toBeLessThanOrEqual(maxPlaintextBytes(encoding));
      expect(bytes).toBeGreaterThan(maxPlaintextBytes(encoding) - 8);
      const parsed = JSON.parse(fitted.value);
      expect(parsed.title).toBe(long.title);
      expect(parsed.body.endsWith("…")).toBe(true);
    }
    const small = { body: "hi" };
    expect(fitJsonPayload(small, "body", "aes128gcm")).toEqual({ ok: true, value: JSON.stringify(small) });
    const hopeless = { title: "x".repeat(5000), body: "y" };
    expect(fitJsonPayload(hopeless, "body", "aes128gcm")).toMatchObject({ ok: false, code: "payload_too_large" });
    expect(fitJsonPayload({ n: "x".repeat(5000), body: 1 }, "body", "aesgcm")).toMatchObject({ ok: false, code: "payload_too_large" });
  });
});
