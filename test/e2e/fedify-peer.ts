import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createFederation, generateCryptoKeyPair, MemoryKvStore, type Context, type Federation } from "@fedify/fedify";
import {
  Accept,
  Activity,
  Announce,
  Create,
  Delete,
  Document,
  Endpoints,
  Follow,
  Like,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Tombstone,
  Undo,
  type Recipient,
} from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";

/**
 * An independent ActivityPub peer for the end-to-end tests: `@fedify/fedify` 2.3.6 on a Node
 * HTTP server on loopback, with one actor (`/users/peer`). Signature verification is on (Fedify's
 * default): every activity it records reached its listener only after Fedify verified the HTTP
 * signature, and anything that failed verification is recorded in `unverified`. It follows
 * back whoever follows it (sending an Accept), and it can follow, post, reply, like, boost and
 * delete on demand. `firstKnock` picks the signature scheme it sends first.
 */

export type SignatureSpec = "draft-cavage-http-signatures-12" | "rfc9421";

export interface ReceivedActivity {
  type: string;
  id: string | null;
  actor: string | null;
  /** The activity as JSON-LD (compacted by Fedify). */
  json: Record<string, any>;
}

/** A POST the peer made to another server's inbox, as it went on the wire. */
export interface SentDelivery {
  url: string;
  scheme: "rfc9421" | "cavage" | "none";
  status: number;
}

export class FedifyPeer {
  readonly identifier = "peer";
  /** Every inbox POST the peer sent (Fedify uses the global fetch; `start` wraps it). */
  readonly sent: SentDelivery[] = [];
  private originalFetch: typeof fetch | null = null;
  readonly received: ReceivedActivity[] = [];
  /** Activities that reached the inbox without a valid signature (should stay empty). */
  readonly unverified: string[] = [];
  /** Notes this peer published, by local id (served at their URIs). */
  readonly notes = new Map<string, Note>();
  /** Accounts following this peer (actor URI → inbox), accepted on arrival. */
  readonly followers = new Map<string, URL>();
  private server!: Server;
  private federation!: Federation<void>;
  private keys!: CryptoKeyPair;
  private seq = 0;
  origin = "";

  constructor(private readonly firstKnock: SignatureSpec) {}

  get actorUri(): string {
    return `${this.origin}/users/${this.identifier}`;
  }

  async start(): Promise<void> {
    this.watchDeliveries();
    this.keys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    this.federation = createFederation<void>({ kv: new MemoryKvStore(), allowPrivateAddress: true, firstKnock: this.firstKnock });
    this.configure(this.federation);
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (this.originalFetch) globalThis.fetch = this.originalFetch;
    this.originalFetch = null;
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Records the signature scheme and answer of each inbox POST Fedify makes. */
  private watchDeliveries(): void {
    const original = globalThis.fetch;
    this.originalFetch = original;
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input as RequestInfo, init);
      const response = await original(request.clone());
      if (request.method === "POST" && new URL(request.url).pathname.endsWith("/inbox")) {
        const scheme = request.headers.has("signature-input") ? "rfc9421" : request.headers.has("signature") ? "cavage" : "none";
        this.sent.push({ url: request.url, scheme, status: response.status });
      }
      return response;
    }) as typeof fetch;
  }

  context(): Context<void> {
    return this.federation.createContext(new URL(this.origin), undefined);
  }

  receivedOf(type: string, filter: (a: ReceivedActivity) => boolean = () => true): ReceivedActivity[] {
    return this.received.filter((a) => a.type === type && filter(a));
  }

  // ----- acting -----

  private newId(kind: string): URL {
    return new URL(`${this.actorUri}#${kind}/${Date.now()}-${++this.seq}`);
  }

  /** The recipient for an actor URI (fetched by Fedify, which reads its inbox). */
  async recipient(actorUri: string): Promise<Recipient> {
    const actor = await this.context().lookupObject(actorUri);
    if (!(actor instanceof Person)) throw new Error(`${actorUri} is not a Person`);
    return actor as unknown as Recipient;
  }

  private async send(to: string, activity: Activity): Promise<void> {
    await this.context().sendActivity({ identifier: this.identifier }, await this.recipient(to), activity, { immediate: true });
  }

  async follow(actorUri: string): Promise<string> {
    const id = this.newId("follows");
    await this.send(actorUri, new Follow({ id, actor: new URL(this.actorUri), object: new URL(actorUri) }));
    return id.href;
  }

  async undoFollow(actorUri: string, followId: string): Promise<void> {
    const follow = new Follow({ id: new URL(followId), actor: new URL(this.actorUri), object: new URL(actorUri) });
    await this.send(actorUri, new Undo({ id: this.newId("undo"), actor: new URL(this.actorUri), object: follow }));
  }

  /**
   * Publishes a public note (a reply when `inReplyTo` is given, mentioning `mention`) and
   * delivers its Create to `to`'s inbox. Returns the note's URI.
   */
  async post(
    to: string,
    content: string,
    options: {
      inReplyTo?: string;
      mention?: { uri: string; name: string };
      attachment?: { url: string; mediaType: string; name: string; width: number; height: number };
      /** A quoted post (FEP-044f `quote`). */
      quote?: string;
    } = {},
  ): Promise<string> {
    const id = `${++this.seq}${Date.now()}`;
    const uri = new URL(`${this.origin}/users/${this.identifier}/posts/${id}`);
    const note = new Note({
      id: uri,
      attribution: new URL(this.actorUri),
      content,
      published: Temporal.Now.instant(),
      url: uri,
      to: PUBLIC_COLLECTION,
      ccs: [new URL(`${this.actorUri}/followers`), ...(options.mention ? [new URL(options.mention.uri)] : [])],
      replyTarget: options.inReplyTo ? new URL(options.inReplyTo) : null,
      quote: options.quote ? new URL(options.quote) : null,
      tags: options.mention ? [new Mention({ href: new URL(options.mention.uri), name: options.mention.name })] : [],
      attachments: options.attachment
        ? [new Document({ url: new URL(options.attachment.url), mediaType: options.attachment.mediaType, name: options.attachment.name, width: options.attachment.width, height: options.attachment.height })]
        : [],
    });
    this.notes.set(id, note);
    await this.send(
      to,
      new Create({
        id: new URL(`${uri.href}/activity`),
        actor: new URL(this.actorUri),
        to: PUBLIC_COLLECTION,
        ccs: note.ccIds,
        object: note,
        published: note.published,
      }),
    );
    return uri.href;
  }

  async like(authorUri: string, objectUri: string): Promise<void> {
    await this.send(authorUri, new Like({ id: this.newId("likes"), actor: new URL(this.actorUri), object: new URL(objectUri) }));
  }

  async announce(authorUri: string, objectUri: string): Promise<void> {
    await this.send(
      authorUri,
      new Announce({
        id: this.newId("announces"),
        actor: new URL(this.actorUri),
        object: new URL(objectUri),
        to: PUBLIC_COLLECTION,
        ccs: [new URL(authorUri), new URL(`${this.actorUri}/followers`)],
        published: Temporal.Now.instant(),
      }),
    );
  }

  /** Deletes one of its notes: a Tombstone is served at its URI from now on, and Delete is sent. */
  async deleteNote(to: string, noteUri: string): Promise<void> {
    const id = noteUri.split("/").pop()!;
    this.notes.delete(id);
    await this.send(
      to,
      new Delete({
        id: new URL(`${noteUri}#delete`),
        actor: new URL(this.actorUri),
        to: PUBLIC_COLLECTION,
        object: new Tombstone({ id: new URL(noteUri) }),
      }),
    );
  }

  // ----- serving -----

  private configure(federation: Federation<void>): void {
    federation
      .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
        if (identifier !== this.identifier) return null;
        const [pair] = await ctx.getActorKeyPairs(identifier);
        return new Person({
          id: ctx.getActorUri(identifier),
          preferredUsername: identifier,
          name: "Fedify Peer",
          summary: "An independent implementation",
          url: new URL(`${this.origin}/@${identifier}`),
          inbox: ctx.getInboxUri(identifier),
          endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
          followers: ctx.getFollowersUri(identifier),
          publicKey: pair.cryptographicKey,
        });
      })
      .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === this.identifier ? [this.keys] : []));

    federation.setFollowersDispatcher("/users/{identifier}/followers", async () => ({
      items: [...this.followers.entries()].map(([id, inbox]) => ({ id: new URL(id), inboxId: inbox })),
    }));

    federation.setObjectDispatcher(Note, "/users/{identifier}/posts/{id}", (_ctx, values) => this.notes.get(values.id) ?? null);

    federation
      .setInboxListeners("/users/{identifier}/inbox", "/inbox")
      .on(Follow, async (ctx, follow) => {
        await this.record(follow);
        const follower = await follow.getActor();
        if (!follower?.id || !follower.inboxId) return;
        this.followers.set(follower.id.href, follower.inboxId);
        await ctx.sendActivity(
          { identifier: this.identifier },
          follower as unknown as Recipient,
          new Accept({ id: this.newId("accepts"), actor: new URL(this.actorUri), object: follow }),
          { immediate: true },
        );
      })
      .on(Activity, async (_ctx, activity) => {
        await this.record(activity);
      })
      .onUnverifiedActivity((_ctx, activity, reason) => {
        this.unverified.push(`${activity.id?.href}: ${JSON.stringify(reason)}`);
        return new Response("bad signature", { status: 401 });
      });
  }

  private async record(activity: Activity): Promise<void> {
    const json = (await activity.toJsonLd({ format: "compact" })) as Record<string, any>;
    this.received.push({ type: String(json.type), id: activity.id?.href ?? null, actor: activity.actorId?.href ?? null, json });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else if (value !== undefined) headers.set(name, value);
      }
      const body = chunks.length && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
      const request = new Request(`${this.origin}${req.url}`, { method: req.method, headers, body });
      const response = await this.federation.fetch(request, {
        contextData: undefined,
        onNotFound: () => new Response("not found", { status: 404 }),
        onNotAcceptable: () => new Response("not acceptable", { status: 406 }),
      });
      res.writeHead(response.status, Object.fromEntries(response.headers as unknown as Iterable<[string, string]>));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (err) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    }
  }
}
