import { FakePeer, installFakeNetwork, peerHost } from "./federation-peer";
import {
  decryptAes128gcm,
  decryptAesgcm,
  newSubscriberKeys,
  readVapidCredentials,
  toBase64url,
  verifyVapidToken,
  type SubscriberKeys,
  type VapidClaims,
  type VapidScheme,
} from "./push-receiver";

/**
 * A fake Web Push service (the role of FCM, Mozilla autopush, Apple's service or Mastodon's iOS
 * relay) for the Workers-runtime tests. It sits on the fake network of `federation-peer.ts`:
 * outgoing `fetch` calls to its host reach it. For every POST to a subscription's endpoint it
 * verifies the VAPID token (signature with the key in the request, `aud` = its origin, `exp`
 * within 24 h), decrypts the body with the subscriber's private key and auth secret, records the
 * result, and answers with the status the test chose (201 by default). A request that fails
 * verification or decryption is answered 400/403 and recorded with its reason.
 */
export interface PushSubscriber {
  id: string;
  endpoint: string;
  /** The subscription keys as a browser gives them: unpadded base64url. */
  p256dh: string;
  auth: string;
  keys: SubscriberKeys;
}

export interface ReceivedPush {
  subscriber: PushSubscriber;
  /** The status this service answered. */
  status: number;
  encoding: string | null;
  scheme: VapidScheme;
  claims: VapidClaims;
  /** The decrypted payload, as text and parsed when it is JSON. */
  text: string;
  json: unknown;
  ttl: string | null;
  urgency: string | null;
  topic: string | null;
  headers: Headers;
  body: Uint8Array;
}

export interface RejectedPush {
  url: string;
  status: number;
  reason: string;
  headers: Headers;
}

export interface PushAnswer {
  status: number;
  headers?: Record<string, string>;
}

export class FakePushService {
  readonly peer: FakePeer;
  readonly received: ReceivedPush[] = [];
  readonly rejected: RejectedPush[] = [];
  private readonly subscribers = new Map<string, PushSubscriber>();
  private readonly answers = new Map<string, PushAnswer>();
  /** The answer to accepted messages of subscribers without one of their own. */
  answer: PushAnswer = { status: 201 };
  /** The clock used to check `exp` (ms); tests may move it. */
  now: () => number = () => Date.now();

  constructor(host = peerHost("push")) {
    this.peer = new FakePeer(host);
  }

  get origin(): string {
    return this.peer.origin;
  }

  /** Puts this service on the fake network. */
  install(): this {
    installFakeNetwork(this.peer);
    return this;
  }

  /** A new subscriber: a fresh P-256 key pair, a 16-byte auth secret, an endpoint on this service. */
  async subscribe(): Promise<PushSubscriber> {
    return this.addSubscriber(await newSubscriberKeys());
  }

  /** A subscriber with given keys (e.g. the RFC 8291 example's). */
  addSubscriber(keys: SubscriberKeys): PushSubscriber {
    const id = crypto.randomUUID();
    const path = `/wpush/v2/${id}`;
    const subscriber = { id, endpoint: `${this.origin}${path}`, p256dh: toBase64url(keys.publicKey), auth: toBase64url(keys.auth), keys };
    this.subscribers.set(id, subscriber);
    this.peer.route(path, (req, body) => this.receive(subscriber, req, body));
    return subscriber;
  }

  /** What to answer for one subscriber's accepted messages: 201, 404, 410, 429 (with Retry-After), 500... */
  respondFor(subscriber: PushSubscriber, answer: PushAnswer): void {
    this.answers.set(subscriber.id, answer);
  }

  /** Ends a subscription as a push service does when the user unsubscribes: 410 from now on. */
  expire(subscriber: PushSubscriber): void {
    this.respondFor(subscriber, { status: 410 });
  }

  messagesFor(subscriber: PushSubscriber): ReceivedPush[] {
    return this.received.filter((m) => m.subscriber.id === subscriber.id);
  }

  private async receive(subscriber: PushSubscriber, req: Request, body: Uint8Array): Promise<Response> {
    if (req.method !== "POST") return new Response(null, { status: 405 });
    const headers = new Headers(req.headers);
    let claims: VapidClaims;
    let scheme: VapidScheme;
    try {
      const credentials = readVapidCredentials(headers);
      scheme = credentials.scheme;
      claims = await verifyVapidToken(credentials.token, credentials.key, this.origin, this.now());
    } catch (e) {
      return this.reject(req, 403, e, headers);
    }
    let plaintext: Uint8Array;
    try {
      plaintext = await this.decrypt(subscriber, headers, body);
    } catch (e) {
      return this.reject(req, 400, e, headers);
    }
    const answer = this.answers.get(subscriber.id) ?? this.answer;
    const text = new TextDecoder().decode(plaintext);
    this.received.push({
      subscriber,
      status: answer.status,
      encoding: headers.get("content-encoding"),
      scheme,
      claims,
      text,
      json: parseJson(text),
      ttl: headers.get("ttl"),
      urgency: headers.get("urgency"),
      topic: headers.get("topic"),
      headers,
      body,
    });
    return new Response(null, { status: answer.status, headers: answer.headers });
  }

  private async decrypt(subscriber: PushSubscriber, headers: Headers, body: Uint8Array): Promise<Uint8Array> {
    if (body.length > 4096) throw new Error(`body is ${body.length} bytes, over 4096`);
    const encoding = headers.get("content-encoding");
    if (encoding === "aes128gcm") return (await decryptAes128gcm(subscriber.keys, body)).plaintext;
    if (encoding === "aesgcm") return decryptAesgcm(subscriber.keys, body, headers.get("encryption"), headers.get("crypto-key"));
    throw new Error(`unsupported Content-Encoding ${encoding}`);
  }

  private reject(req: Request, status: number, cause: unknown, headers: Headers): Response {
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.rejected.push({ url: req.url, status, reason, headers });
    return new Response(JSON.stringify({ error: reason }), { status });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
