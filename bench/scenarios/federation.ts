import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BenchContext, Row } from "../run.ts";
import { percentile, request, runLoad, until, type Figures } from "../load.ts";
import { appToken, getJson, pool, postForm, registerUser } from "../seed.ts";
import { freePort, startServer, type LocalServer } from "../../test/e2e/server.ts";
import { connectProfiler, type ProfileNode } from "../profile.ts";
import { cpuMs, serverProcesses } from "../proc.ts";

/**
 * Federation, against a server of its own started with ALLOW_PRIVATE_ADDRESSES=true
 * (remote actors live on loopback here).
 * Inbound: loopback actors (HTTP servers in this process serving an actor document with its
 * public key) send signed Creates (draft-cavage, RSA-SHA256, Digest; signed before the timed
 * loop, so the Date is seconds old, well inside the ±1 h window) to the shared inbox at
 * concurrency 10; the server verifies every one for real (digest, key from the fetched actor,
 * signature). Once from an actor nobody here follows (verification and hand-off; the handler
 * drops the post, as Mastodon does), once from an actor FOLLOWERS local accounts follow (it
 * answered their Follow with a signed Accept): then also the time from the last 202 until the
 * last status is in a follower's home (polled with since_id). The workerd CPU time per accepted
 * Create says where the time goes: locally the Worker and every object share one thread.
 * Outbound: PEERS loopback hosts (one HTTP server per port, each host:port a distinct delivery
 * host) each follow a local author with a signed Follow; the author posts and we time, from
 * the API call returning, until every peer has received the Create.
 */
const FOLLOWERS = 10;
const WARMUP_CREATES = 30;
/** Signed in advance; the timed loop stops when they run out or after BURST_MS. */
const BURST_MAX = 1500;
const BURST_MS = 6000;
const CONCURRENCY = 10;
const PEERS = 100;
const POSTS = 3;
const WAIT_MS = 30_000;
const POLL_MS = 25;

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const AS2 = "application/activity+json";
const SIGNED_HEADERS = ["(request-target)", "host", "date", "digest", "content-type"];

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ----- signing (draft-cavage, as Mastodon sends it) -----

interface SignedPost {
  path: string;
  headers: Record<string, string>;
  body: string;
}

function signedPost(inbox: URL, body: string, keyId: string, key: KeyObject, date = new Date()): SignedPost {
  const headers: Record<string, string> = {
    host: inbox.host,
    date: date.toUTCString(),
    digest: `SHA-256=${createHash("sha256").update(body).digest("base64")}`,
    "content-type": AS2,
  };
  const signingString = SIGNED_HEADERS.map((h) => (h === "(request-target)" ? `${h}: post ${inbox.pathname}` : `${h}: ${headers[h]}`)).join("\n");
  const signature = sign("sha256", Buffer.from(signingString), key).toString("base64");
  headers.signature = `keyId="${keyId}",algorithm="rsa-sha256",headers="${SIGNED_HEADERS.join(" ")}",signature="${signature}"`;
  headers["content-length"] = String(Buffer.byteLength(body));
  return { path: inbox.pathname, headers, body };
}

function send(origin: string, post: SignedPost) {
  return request(origin, post.path, { method: "POST", headers: post.headers, body: post.body });
}

// ----- loopback actors -----

interface Keys {
  privateKey: KeyObject;
  publicPem: string;
}

function newKeys(): Keys {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKey, publicPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

interface Received {
  type: string;
  /** Whether the POST carried an HTTP signature. */
  signed: boolean;
  objectId: string | null;
  at: number;
  activity: Record<string, any>;
}

/**
 * One remote actor on its own loopback port: serves its actor document (with the public key)
 * and empty collections, answers 202 to any POST and records what it received.
 */
class LoopbackActor {
  origin = "";
  readonly received: Received[] = [];
  onActivity: (activity: Record<string, any>) => void = () => {};
  private server: Server | null = null;
  private readonly username: string;
  private readonly keys: Keys;

  constructor(username: string, keys: Keys) {
    this.username = username;
    this.keys = keys;
  }

  get uri() {
    return `${this.origin}/actor`;
  }
  get keyId() {
    return `${this.uri}#main-key`;
  }
  get followers() {
    return `${this.origin}/followers`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  sign(inbox: URL, activity: unknown, date?: Date): SignedPost {
    return signedPost(inbox, JSON.stringify(activity), this.keyId, this.keys.privateKey, date);
  }

  receivedOf(type: string): Received[] {
    return this.received.filter((r) => r.type === type);
  }

  private document(path: string): Record<string, unknown> | null {
    const id = `${this.origin}${path}`;
    if (path === "/actor") {
      return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        id,
        type: "Person",
        preferredUsername: this.username,
        name: `Bench ${this.username}`,
        url: id,
        inbox: `${this.origin}/inbox`,
        outbox: `${this.origin}/outbox`,
        followers: this.followers,
        following: `${this.origin}/following`,
        endpoints: { sharedInbox: `${this.origin}/inbox` },
        publicKey: { id: this.keyId, owner: id, publicKeyPem: this.keys.publicPem },
      };
    }
    if (["/outbox", "/followers", "/following", "/featured"].includes(path)) {
      return { "@context": "https://www.w3.org/ns/activitystreams", id, type: "OrderedCollection", totalItems: 0, orderedItems: [] };
    }
    return null;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "POST") {
      res.writeHead(202).end();
      let activity: Record<string, any>;
      try {
        activity = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return;
      }
      const object = activity.object;
      const objectId = typeof object === "string" ? object : typeof object?.id === "string" ? object.id : null;
      this.received.push({ type: String(activity.type), signed: typeof req.headers.signature === "string" || typeof req.headers["signature-input"] === "string", objectId, at: performance.now(), activity });
      this.onActivity(activity);
      return;
    }
    const doc = this.document(path);
    if (!doc) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": AS2 }).end(JSON.stringify(doc));
  }
}

function createActivity(actor: LoopbackActor, n: number, published: Date): Record<string, unknown> {
  const id = `${actor.origin}/notes/${n}`;
  const at = published.toISOString();
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${id}/activity`,
    type: "Create",
    actor: actor.uri,
    published: at,
    to: [PUBLIC],
    cc: [actor.followers],
    object: { id, type: "Note", attributedTo: actor.uri, content: `<p>federation bench ${n}</p>`, published: at, url: id, to: [PUBLIC], cc: [actor.followers] },
  };
}

// ----- helpers -----

/** `wrangler dev` restarts the Worker when files change (503 mid-request): try again. */
async function retried<T>(fn: (attempt: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn(i);
    } catch (err) {
      if (i >= attempts || !String(err).includes(" 503 ")) throw err;
      await sleep(500);
    }
  }
}

interface HomeStatus {
  id: string;
  uri: string;
}

async function home(origin: string, token: string, query: string): Promise<HomeStatus[]> {
  return (await getJson(origin, `/api/v1/timelines/home?limit=40${query}`, token)) as HomeStatus[];
}

/** How many of `uris` a home timeline holds above `sinceId` (pages back with max_id). */
async function countInHome(origin: string, token: string, sinceId: string, uris: Set<string>): Promise<number> {
  let found = 0;
  let maxId = "";
  for (let page = 0; page < 100; page++) {
    const items = await home(origin, token, `&since_id=${sinceId}${maxId ? `&max_id=${maxId}` : ""}`);
    if (items.length === 0) break;
    found += items.filter((s) => uris.has(s.uri)).length;
    maxId = items[items.length - 1].id;
  }
  return found;
}

interface Burst {
  figures: Figures;
  /** Highest index of the pre-signed activities that got its 202. */
  lastAccepted: number;
  lastAcceptedAt: number;
  sent: number;
  firstError: string | null;
}

/** Closed loop over pre-signed POSTs: CONCURRENCY workers, until they run out or `durationMs`. */
async function burst(origin: string, posts: SignedPost[], durationMs: number): Promise<Burst> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  let lastAccepted = -1;
  let lastAcceptedAt = 0;
  let firstError: string | null = null;
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < posts.length && performance.now() < end) {
        const i = next++;
        const t0 = performance.now();
        try {
          const res = await send(origin, posts[i]);
          if (res.status === 202) {
            if (i > lastAccepted) lastAccepted = i;
            lastAcceptedAt = Math.max(lastAcceptedAt, performance.now());
          } else {
            errors++;
            firstError ??= `${res.status} ${res.body.slice(0, 200)}`;
          }
        } catch (err) {
          errors++;
          firstError ??= String(err);
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    figures: { rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, requests: latencies.length },
    lastAccepted,
    lastAcceptedAt,
    sent: latencies.length,
    firstError,
  };
}

// ----- the scenario -----

export async function federation(_ctx: BenchContext): Promise<Row[]> {
  const started = Date.now();
  inspectorPort = PROFILE ? await freePort() : 0;
  const server = await startServer({ ALLOW_PRIVATE_ADDRESSES: "true", WRANGLER_LOG_LEVEL: "error", ...(PROFILE ? { INSPECTOR_PORT: String(inspectorPort) } : {}) });
  const actors: LoopbackActor[] = [];
  try {
    const keys = newKeys();
    const app = await appToken(server.origin);
    const inbound = await inboundRows(server, app, keys, actors);
    // FEDERATION_ROWS=inbound skips the outbound rows (quicker A/B runs of the inbound path).
    const outbound = process.env.FEDERATION_ROWS === "inbound" ? [] : await outboundRows(server, app, keys, actors);
    return [...inbound, ...outbound, { name: "federation scenario time", note: `${fmt((Date.now() - started) / 1000)} s (own server with ALLOW_PRIVATE_ADDRESSES=true)` }];
  } finally {
    await Promise.all(actors.map((a) => a.stop()));
    await server.stop();
  }
}

async function inboundRows(server: LocalServer, app: string, keys: Keys, actors: LoopbackActor[]): Promise<Row[]> {
  const origin = server.origin;
  const sharedInbox = new URL("/inbox", origin);
  const followed = new LoopbackActor("bench_followed", keys);
  const unfollowed = new LoopbackActor("bench_unfollowed", keys);
  actors.push(followed, unfollowed);
  await Promise.all([followed.start(), unfollowed.start()]);
  // Our Follow arrives: answer with a signed Accept (the Follow embedded) to our shared inbox.
  let acceptsAcknowledged = 0;
  let acceptSeq = 0;
  followed.onActivity = (activity) => {
    if (activity.type !== "Follow") return;
    const accept = { "@context": "https://www.w3.org/ns/activitystreams", id: `${followed.origin}/accepts/${++acceptSeq}`, type: "Accept", actor: followed.uri, object: activity };
    void send(origin, followed.sign(sharedInbox, accept)).then((res) => {
      if (res.status === 202) acceptsAcknowledged++;
      else console.warn(`federation bench: Accept answered ${res.status} ${res.body}`);
    });
  };

  const setupStart = Date.now();
  const prefix = `fi${Date.now().toString(36).slice(-5)}`;
  const followers: { id: string; token: string }[] = [];
  await pool(
    Array.from({ length: FOLLOWERS }, (_, i) => i),
    4,
    async (i) => void followers.push(await retried((attempt) => registerUser(origin, app, `${prefix}_f${i}r${attempt}`))),
  );
  const found = await retried(() => getJson(origin, `/api/v2/search?type=accounts&resolve=true&q=${encodeURIComponent(followed.uri)}`, followers[0].token));
  const remoteId: string | undefined = found.accounts.find((a: { uri?: string }) => a.uri === followed.uri)?.id;
  if (!remoteId) throw new Error(`search did not resolve ${followed.uri}: ${JSON.stringify(found)}`);
  await pool(followers, 4, async (f) => void (await retried(() => postForm(origin, `/api/v1/accounts/${remoteId}/follow`, {}, f.token))));
  const accepted = await until(async () => {
    if (acceptsAcknowledged < followers.length) return false;
    const rels = await Promise.all(followers.map((f) => getJson(origin, `/api/v1/accounts/relationships?id[]=${remoteId}`, f.token)));
    return rels.every((r) => r[0]?.following === true);
  }, WAIT_MS, 100);
  if (!accepted) throw new Error(`follows of the loopback actor not accepted (${acceptsAcknowledged}/${followers.length} Accepts acknowledged)`);
  const setupMs = Date.now() - setupStart;

  // Warm-up of both senders: key fetch and caches, cold objects; the newest status is the since_id.
  const reader = followers[0];
  const seq = new Map<LoopbackActor, number>([[followed, 0], [unfollowed, 0]]);
  const signCreates = (actor: LoopbackActor, count: number) =>
    Array.from({ length: count }, () => {
      const n = seq.get(actor)! + 1;
      seq.set(actor, n);
      return actor.sign(sharedInbox, createActivity(actor, n, new Date()));
    });
  for (const actor of [unfollowed, followed]) {
    const warm = await burst(origin, signCreates(actor, WARMUP_CREATES), WAIT_MS);
    if (warm.figures.errors) throw new Error(`warm-up Creates refused: ${warm.firstError}`);
  }
  const lastWarmUri = `${followed.origin}/notes/${seq.get(followed)}`;
  if (!(await until(async () => (await home(origin, reader.token, "")).some((s) => s.uri === lastWarmUri), WAIT_MS, POLL_MS))) {
    throw new Error("warm-up status never reached the follower's home");
  }
  const sinceId = (await home(origin, reader.token, ""))[0].id;
  const workerd = serverProcesses(new URL(origin).port);
  // Yardstick for a shared machine: workerd CPU per trivial request on this server, same moment.
  const cpuT = cpuMs(workerd);
  const trivial = await runLoad({ origin, path: "/api/v1/streaming/health", concurrency: CONCURRENCY, warmupMs: 0, durationMs: 2000 });
  const trivialCpu = (cpuMs(workerd) - cpuT) / trivial.requests;

  // Without local followers: verification, hand-off, and the handler's "not ours" decision.
  const plainProfile = PROFILE === "plain" ? await profiler() : null;
  const cpu0 = cpuMs(workerd);
  const plain = await burst(origin, signCreates(unfollowed, BURST_MAX), BURST_MS);
  await sleep(1000);
  await plainProfile?.stop(plain.sent);
  const plainCpu = (cpuMs(workerd) - cpu0) / (plain.sent - plain.figures.errors);

  // With followers: signed now (Date a few seconds old when sent), sent as fast as the server takes them.
  // CPU first: nothing polls the server until it is idle again (home reads would count as inbound work).
  const signStart = performance.now();
  const first = seq.get(followed)! + 1;
  const posts = signCreates(followed, BURST_MAX);
  const signMs = performance.now() - signStart;
  const followedProfile = PROFILE === "followed" ? await profiler() : null;
  const cpu1 = cpuMs(workerd);
  const result = await burst(origin, posts, BURST_MS);
  const idle = await untilIdle(workerd);
  const followedCpu = (idle.cpu - cpu1) / (result.sent - result.figures.errors);
  const drained = idle.at - result.lastAcceptedAt;
  await followedProfile?.stop(result.sent);
  // Every accepted status of the burst in the reader's home (processing order differs by shard).
  const uris = new Set(Array.from({ length: result.lastAccepted + 1 }, (_, i) => `${followed.origin}/notes/${first + i}`));
  const held = await countInHome(origin, reader.token, sinceId, uris);

  // Then the time to homes, on a second burst, polled as a client would.
  const sinceId2 = (await home(origin, reader.token, ""))[0].id;
  const first2 = seq.get(followed)! + 1;
  const latencyBurst = await burst(origin, signCreates(followed, BURST_MAX), BURST_MS);
  const lastUri = `${followed.origin}/notes/${first2 + latencyBurst.lastAccepted}`;
  const inHome = async (token: string) => (await home(origin, token, `&since_id=${sinceId2}`)).some((s) => s.uri === lastUri);
  const readerSaw = (await until(() => inHome(reader.token), WAIT_MS, POLL_MS)) ? performance.now() - latencyBurst.lastAcceptedAt : NaN;
  const pending = new Set(followers.slice(1));
  const allSaw = (await until(async () => {
    for (const f of [...pending]) if (await inHome(f.token)) pending.delete(f);
    return pending.size === 0;
  }, WAIT_MS, POLL_MS))
    ? performance.now() - latencyBurst.lastAcceptedAt
    : NaN;

  const refusals = (b: Burst) => (b.figures.errors ? `; ${b.figures.errors} refused, first: ${b.firstError}` : "");
  return [
    { name: "POST /inbox signed Create, sender without local followers", figures: plain.figures, target: "≥ 100/s" },
    { name: `POST /inbox signed Create, sender with ${FOLLOWERS} local followers`, figures: result.figures, target: "≥ 100/s" },
    {
      name: "inbound work per accepted Create",
      note: `workerd CPU ${fmt(plainCpu, 2)} ms without followers, ${fmt(followedCpu, 2)} ms with ${FOLLOWERS} (incl. processing and fan-out; locally the Worker and every object share one workerd thread; ${fmt(plainCpu / trivialCpu)}× and ${fmt(followedCpu / trivialCpu)}× the ${fmt(trivialCpu, 2)} ms of a trivial GET measured just before)${refusals(plain)}${refusals(result)}; ${posts.length} signed in advance in ${fmt(signMs, 0)} ms; setup ${fmt(setupMs / 1000)} s`,
    },
    {
      name: "inbound → followers' home timelines",
      note: `CPU burst: server idle ${fmt(drained, 0)} ms after the last 202, then ${held}/${uris.size} of its statuses in the reader's home; second burst (${latencyBurst.sent} Creates, ${fmt(latencyBurst.figures.rps, 0)}/s), polled: last status in a follower's home ${fmt(readerSaw, 0)} ms after the last 202, in all ${followers.length} homes ${fmt(allSaw, 0)} ms${refusals(latencyBurst)}`,
      target: "report",
    },
  ];
}

// ----- optional CPU profile (FEDERATION_PROFILE=plain|followed) -----

/** Which inbound burst to profile (with its processing): prints self and total time per function. */
const PROFILE = process.env.FEDERATION_PROFILE ?? "";
let inspectorPort = 0;

async function profiler() {
  const connected = await connectProfiler(inspectorPort);
  await connected.start();
  return {
    async stop(operations: number) {
      const profile = await connected.stop();
      printProfile(profile.nodes, profile.samples, profile.timeDeltas, operations);
    },
  };
}

/** Self and total (inclusive, each function counted once per stack) µs per operation. */
function printProfile(nodes: ProfileNode[], samples: number[], deltas: number[], operations: number) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  samples.forEach((id, i) => {
    const dt = deltas[i] ?? 0;
    const leaf = byId.get(id)!;
    self.set(keyOf(leaf), (self.get(keyOf(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + dt);
    }
  });
  // PROFILE_CALLERS=name: who calls the functions of that name (self time below them, µs per Create).
  const wanted = process.env.PROFILE_CALLERS;
  if (wanted) {
    const callers = new Map<string, number>();
    samples.forEach((id, i) => {
      let cur: number | undefined = id;
      while (cur !== undefined && byId.get(cur)!.callFrame.functionName !== wanted) cur = parent.get(cur);
      if (cur === undefined) return;
      const chain: string[] = [];
      for (let p = parent.get(cur), n = 0; p !== undefined && n < 4; p = parent.get(p), n++) chain.push(keyOf(byId.get(p)!));
      const k = chain.join(" < ");
      callers.set(k, (callers.get(k) ?? 0) + (deltas[i] ?? 0));
    });
    console.error(`callers of ${wanted}:`);
    for (const [k, us] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.error(`${(us / operations).toFixed(1).padStart(8)}  ${k}`);
  }
  const top = Number(process.env.PROFILE_TOP ?? 60);
  const per = (us: number) => (us / operations).toFixed(1).padStart(8);
  const sum = [...self.values()].reduce((a, b) => a + b, 0);
  console.error(`\nprofile (${PROFILE}): ${operations} Creates, sampled ${(sum / 1000).toFixed(0)} ms; µs per Create`);
  console.error("self:");
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.error(`${per(us)}  ${k}`);
  console.error("total:");
  for (const [k, us] of [...total].sort((a, b) => b[1] - a[1]).slice(0, top)) console.error(`${per(us)}  ${k}`);
}

// ----- /proc: CPU time of the server's workerd processes (bench/proc.ts) -----

/**
 * Waits until the processes are idle (at most 10% of a core over IDLE_WINDOW_MS): when that
 * window began, and their CPU time then. Without /proc: after a fixed wait.
 */
const IDLE_WINDOW_MS = 200;
async function untilIdle(pids: number[]): Promise<{ at: number; cpu: number }> {
  const samples: { at: number; cpu: number }[] = [];
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const now = { at: performance.now(), cpu: cpuMs(pids) };
    if (!Number.isFinite(now.cpu)) return (await sleep(2000), { at: performance.now(), cpu: NaN });
    samples.push(now);
    const start = samples.findLast((s) => now.at - s.at >= IDLE_WINDOW_MS);
    if (start && now.cpu - start.cpu <= IDLE_WINDOW_MS / 10) return start;
    if (now.at > deadline) return now;
    await sleep(20);
  }
}

async function outboundRows(server: LocalServer, app: string, keys: Keys, actors: LoopbackActor[]): Promise<Row[]> {
  const origin = server.origin;
  const setupStart = Date.now();
  const author = await retried(() => registerUser(origin, app, `fo${Date.now().toString(36).slice(-5)}_author`));
  const me = await getJson(origin, "/api/v1/accounts/verify_credentials", author.token);
  const authorUri = `${origin}/users/${me.username}`;
  const authorInbox = new URL(`/users/${me.username}/inbox`, origin);
  const peers = Array.from({ length: PEERS }, (_, i) => new LoopbackActor(`peer${i}`, keys));
  actors.push(...peers);
  await Promise.all(peers.map((p) => p.start()));

  // Every peer follows the author (the server fetches each peer's actor to verify), gets an Accept.
  let refused = 0;
  await pool(peers, CONCURRENCY, async (peer) => {
    const follow = { "@context": "https://www.w3.org/ns/activitystreams", id: `${peer.origin}/follows/1`, type: "Follow", actor: peer.uri, object: authorUri };
    let res = await send(origin, peer.sign(authorInbox, follow));
    for (let retry = 0; res.status === 503 && retry < 3; retry++) res = await sleep(500).then(() => send(origin, peer.sign(authorInbox, follow)));
    if (res.status !== 202) {
      refused++;
      console.warn(`federation bench: Follow answered ${res.status} ${res.body}`);
    }
  });
  const allAccepted = await until(() => peers.every((p) => p.receivedOf("Accept").length > 0), WAIT_MS, 50);
  const acceptedPeers = peers.filter((p) => p.receivedOf("Accept").length > 0).length;
  const account = await getJson(origin, `/api/v1/accounts/${author.id}`, author.token);
  const setupMs = Date.now() - setupStart;

  const allDelivered: number[] = [];
  const firstDelivered: number[] = [];
  const perDelivery: number[] = [];
  let missing = 0;
  const workerd = serverProcesses(new URL(origin).port);
  const cpu0 = cpuMs(workerd);
  for (let i = 0; i < POSTS; i++) {
    const status = await postForm(origin, "/api/v1/statuses", { status: `federation bench post ${i}`, visibility: "public" }, author.token);
    const returned = performance.now();
    const arrival = (p: LoopbackActor) => p.received.find((r) => r.type === "Create" && r.objectId === status.uri)?.at;
    const complete = await until(() => peers.every((p) => arrival(p) !== undefined), WAIT_MS, 5);
    const times = peers.map(arrival).filter((t): t is number => t !== undefined);
    missing += peers.length - times.length;
    perDelivery.push(...times.map((t) => t - returned));
    allDelivered.push(complete ? Math.max(...times) - returned : NaN);
    firstDelivered.push(Math.min(...times) - returned);
  }
  await sleep(500);
  const cpuPerDelivery = (cpuMs(workerd) - cpu0) / (POSTS * PEERS - missing);
  perDelivery.sort((a, b) => a - b);
  const unsigned = peers.reduce((sum, p) => sum + p.received.filter((r) => !r.signed).length, 0);

  return [
    {
      name: `local post → followers on ${PEERS} remote hosts`,
      note: `all ${PEERS} received after ${allDelivered.map((t) => `${fmt(t, 0)} ms`).join(", ")} (${POSTS} posts, from the API call returning); first after ${firstDelivered.map((t) => `${fmt(t, 0)} ms`).join(", ")}; per delivery p50 ${fmt(percentile(perDelivery, 50), 0)} ms, p99 ${fmt(percentile(perDelivery, 99), 0)} ms; workerd CPU ${fmt(cpuPerDelivery, 2)} ms per delivery (post, fan-out, queue, signing, send)${missing ? `; ${missing} missing after ${WAIT_MS / 1000} s` : ""}`,
      target: "report",
    },
    {
      name: "outbound setup",
      note: `${PEERS - refused}/${PEERS} signed Follows accepted (202), ${acceptedPeers}/${PEERS} Accepts delivered${allAccepted ? "" : ` (not all within ${WAIT_MS / 1000} s)`}, author followers_count ${account.followers_count}; ${fmt(setupMs / 1000)} s${unsigned ? `; ${unsigned} deliveries unsigned` : ""}`,
    },
  ];
}
