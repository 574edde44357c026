import { base64 } from "../../lib/crypto";

/**
 * Fake remote servers for the Workers-runtime tests. The tests, the Worker and its Durable
 * Objects share one isolate, so replacing `globalThis.fetch` routes every outgoing request of
 * our code (key fetches, actor fetches, deliveries) to these in-test peers. The peers use real
 * RSA keys and real documents; they record what they receive so tests can verify our signatures.
 * Requests to any other host fail like an unreachable network.
 */
export interface PeerActor {
  uri: string;
  keyId: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicPem: string;
  document: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Headers;
  body: Uint8Array;
}

export type Route = (req: Request, body: Uint8Array) => Response | Promise<Response>;

export async function rsaKeyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
}

export async function spkiPem(key: CryptoKey): Promise<string> {
  const der = (await crypto.subtle.exportKey("spki", key)) as ArrayBuffer;
  return `-----BEGIN PUBLIC KEY-----\n${base64(der).replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END PUBLIC KEY-----\n`;
}

export const AS2 = "application/activity+json";

export function as2(doc: unknown, status = 200): Response {
  return new Response(JSON.stringify(doc), { status, headers: { "content-type": AS2 } });
}

export class FakePeer {
  readonly origin: string;
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Route>();
  /** Answers POSTs to any inbox path; tests swap it to simulate failures. */
  inbox: Route = () => new Response(null, { status: 202 });

  constructor(readonly host: string) {
    this.origin = `https://${host}`;
  }

  /** Serves `handler` at `path` (exact, without query) for GET and POST. */
  route(path: string, handler: Route): this {
    this.routes.set(path, handler);
    return this;
  }

  serveJson(path: string, doc: unknown): this {
    return this.route(path, () => as2(doc));
  }

  /** An actor at /users/<name> whose key is `<actor>#main-key` (Mastodon's shape). */
  async addActor(name: string, extra: Record<string, unknown> = {}): Promise<PeerActor> {
    const pair = await rsaKeyPair();
    const uri = `${this.origin}/users/${name}`;
    const keyId = `${uri}#main-key`;
    const publicPem = await spkiPem(pair.publicKey);
    const document = {
      "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
      id: uri,
      type: "Person",
      preferredUsername: name,
      name: `${name} (remote)`,
      summary: "<p>Hello <script>alert(1)</script>world</p>",
      inbox: `${uri}/inbox`,
      outbox: `${uri}/outbox`,
      followers: `${uri}/followers`,
      following: `${uri}/following`,
      url: `${this.origin}/@${name}`,
      endpoints: { sharedInbox: `${this.origin}/inbox` },
      publicKey: { id: keyId, owner: uri, publicKeyPem: publicPem },
      ...extra,
    };
    this.serveJson(`/users/${name}`, document);
    return { uri, keyId, privateKey: pair.privateKey, publicKey: pair.publicKey, publicPem, document };
  }

  /** Replaces an actor's key (rotation): the document now lists a new key under the same id. */
  async rotateKey(actor: PeerActor): Promise<PeerActor> {
    const pair = await rsaKeyPair();
    const publicPem = await spkiPem(pair.publicKey);
    const document = { ...actor.document, publicKey: { id: actor.keyId, owner: actor.uri, publicKeyPem: publicPem } };
    this.serveJson(new URL(actor.uri).pathname, document);
    return { ...actor, privateKey: pair.privateKey, publicKey: pair.publicKey, publicPem, document };
  }

  received(filter: (r: RecordedRequest) => boolean = () => true): RecordedRequest[] {
    return this.requests.filter(filter);
  }

  async handle(req: Request): Promise<Response> {
    const body = new Uint8Array(await req.arrayBuffer());
    this.requests.push({ method: req.method, url: req.url, headers: new Headers(req.headers), body });
    const path = new URL(req.url).pathname;
    const route = this.routes.get(path);
    if (route) return route(req, body);
    if (req.method === "POST" && path.endsWith("/inbox")) return this.inbox(req, body);
    return new Response("not found", { status: 404 });
  }
}

const peers = new Map<string, FakePeer>();
let originalFetch: typeof fetch | null = null;

/** Routes outgoing fetches to the given peers (by host) until `uninstallFakeNetwork`. */
export function installFakeNetwork(...list: FakePeer[]): void {
  for (const p of list) peers.set(p.host, p);
  if (originalFetch) return;
  originalFetch = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input as RequestInfo, init);
    const peer = peers.get(new URL(req.url).host);
    if (!peer) throw new TypeError(`fake network: no route to ${new URL(req.url).host}`);
    const signal = init?.signal ?? req.signal;
    if (signal?.aborted) throw new DOMException("aborted", "AbortError");
    if (!signal) return peer.handle(req);
    // Like a real connection: an abort (timeout) ends the wait for an answer.
    return Promise.race([
      peer.handle(req),
      new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")))),
    ]);
  }) as typeof fetch;
}

export function uninstallFakeNetwork(): void {
  if (originalFetch) globalThis.fetch = originalFetch;
  originalFetch = null;
  peers.clear();
}

/** A unique fake host for one test (`<label>-<random>.peer.test`). */
export function peerHost(label: string): string {
  return `${label}-${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}.peer.test`;
}
