import type { BenchContext, Row } from "../run.ts";
import { type Figures, percentile, request, runLoad } from "../load.ts";
import { appToken, getJson, pool, registerUser } from "../seed.ts";

/**
 * Timelines, notifications and fan-out, seeded through the public API only
 * (registration with an app token, follows, `POST /api/v1/statuses`, favourites), at most
 * SEED_CONCURRENCY requests in flight.
 *
 * - `timelines`: one reader following READ_AUTHORS authors holding READ_STATUSES statuses
 *   between them, with mentions, favourites and follows making notifications; then home and
 *   notifications under the same load as every other row.
 * - `growth` / `growth10k`: one reader whose home and notifications hold 100 and 1,000 (and
 *   10,000) entries, measured at each size on the same reader: a read must not slow down.
 * - `fanout` / `fanout10k`: an author with 1,000 (10,000) local followers posts; the API
 *   latency, and the time until every follower's home holds the post (see measureFanout).
 */
const SEED_CONCURRENCY = 20;
const READ_AUTHORS = 50;
const READ_STATUSES = 2000;
/** One author status in MENTION_EVERY mentions the reader (a mention notification). */
const MENTION_EVERY = 20;
const GROWTH_AUTHORS = 10;
/** Followers whose home is polled during a post, besides the last one in fan-out order. */
const FANOUT_SAMPLE = 9;
/** Giving up on a post reaching a home: at least a minute, 10 ms per follower. */
const fanoutTimeoutMs = (followers: number) => Math.max(60_000, followers * 10);
/** Waiting for asynchronous fan-out of the seed to finish. */
const SETTLE_TIMEOUT_MS = 180_000;
/** After a burst of posts, background jobs (directory sync, GC) go on for a few seconds. */
const QUIET_MS = 5000;

export type User = { id: string; token: string };

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const secs = (ms: number) => `${fmt(ms / 1000)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const auth = (u: User) => ({ authorization: `Bearer ${u.token}` });

/** `wrangler dev` restarts the Worker when files change under the repo (503 mid-request): try again. */
async function retried<T>(fn: (attempt: number) => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn(i);
    } catch (err) {
      if (i >= attempts || !/ (502|503) /.test(String(err))) throw err;
      await sleep(1000);
    }
  }
}

/** A form POST with an Idempotency-Key, so a retry after a restart never posts twice. */
export async function post(ctx: BenchContext, path: string, user: User, fields: Record<string, string> = {}, key?: string): Promise<any> {
  return retried(async () => {
    const res = await request(ctx.origin, path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...auth(user), ...(key ? { "idempotency-key": key } : {}) },
      body: new URLSearchParams(fields).toString(),
    });
    if (res.status >= 300) throw new Error(`POST ${path} → ${res.status} ${res.body}`);
    return JSON.parse(res.body);
  });
}

export const get = (ctx: BenchContext, path: string, user: User) => retried(() => getJson(ctx.origin, path, user.token));

export async function register(ctx: BenchContext, app: string, username: string): Promise<User> {
  return retried((attempt) => registerUser(ctx.origin, app, attempt === 1 ? username : `${username}r${attempt}`));
}

/** Registers `count` accounts, stopping early when `deadline` (ms since epoch) passes. */
export async function registerMany(ctx: BenchContext, app: string, prefix: string, count: number, deadline = Infinity): Promise<User[]> {
  const users: User[] = [];
  await pool(
    Array.from({ length: count }, (_, i) => i),
    SEED_CONCURRENCY,
    async (i) => {
      if (Date.now() > deadline) return;
      users.push(await register(ctx, app, `${prefix}${i}`));
    },
  );
  return users;
}

export const prefix = (tag: string) => `${tag}${Date.now().toString(36).slice(-5)}`;

/** Statuses `authors` post round-robin; every `mentionEvery`-th mentions @`mention`. Returns ids. */
export async function postMany(ctx: BenchContext, authors: User[], count: number, tag: string, mention?: { username: string; every: number }): Promise<string[]> {
  const ids: string[] = [];
  await pool(
    Array.from({ length: count }, (_, i) => i),
    SEED_CONCURRENCY,
    async (i) => {
      const text = `${mention && i % mention.every === 0 ? `@${mention.username} ` : ""}bench ${tag} status ${i}: the quick brown fox jumps over the lazy dog`;
      const s = await post(ctx, "/api/v1/statuses", authors[i % authors.length], { status: text }, `${tag}-${i}`);
      ids.push(s.id);
    },
  );
  return ids;
}

/** Ids in the user's home timeline, paging with max_id (limit 40). */
async function homeIds(ctx: BenchContext, user: User): Promise<Set<string>> {
  const ids = new Set<string>();
  let maxId = "";
  for (;;) {
    const page: { id: string }[] = await get(ctx, `/api/v1/timelines/home?limit=40${maxId ? `&max_id=${maxId}` : ""}`, user);
    if (page.length === 0) return ids;
    for (const s of page) ids.add(s.id);
    maxId = page[page.length - 1].id;
  }
}

/** Waits until every id in `expected` is in the user's home; returns whether it happened in time. */
export async function settleHome(ctx: BenchContext, user: User, expected: string[]): Promise<boolean> {
  const newest = expected.reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b));
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const top: { id: string }[] = await get(ctx, `/api/v1/timelines/home?limit=1&min_id=${BigInt(newest) - 1n}`, user);
    if (top.length) {
      const held = await homeIds(ctx, user);
      if (expected.every((id) => held.has(id))) return true;
    }
    await sleep(1000);
  }
  return false;
}

export async function settleNotifications(ctx: BenchContext, user: User, atLeast: number): Promise<number> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let count = 0;
  while (Date.now() < deadline) {
    count = (await get(ctx, `/api/v1/notifications/unread_count?limit=1000`, user)).count;
    if (count >= Math.min(atLeast, 1000)) break;
    await sleep(1000);
  }
  return count;
}

// ----- timelines: home and notifications reads -----

export async function timelines(ctx: BenchContext): Promise<Row[]> {
  const started = Date.now();
  const app = await appToken(ctx.origin);
  const p = prefix("tl");
  const reader = await register(ctx, app, `${p}_reader`);
  const authors = await registerMany(ctx, app, `${p}_a`, READ_AUTHORS);
  // Authors follow the reader (follow notifications); the reader follows them (home).
  await pool(authors, SEED_CONCURRENCY, async (a) => {
    await post(ctx, `/api/v1/accounts/${a.id}/follow`, reader);
    await post(ctx, `/api/v1/accounts/${reader.id}/follow`, a);
  });
  const own = await post(ctx, "/api/v1/statuses", reader, { status: "a status of the reader's, for favourites" }, `${p}-own`);
  await pool(authors, SEED_CONCURRENCY, async (a) => void (await post(ctx, `/api/v1/statuses/${own.id}/favourite`, a)));
  const postStart = Date.now();
  const ids = await postMany(ctx, authors, READ_STATUSES, p, { username: `${p}_reader`, every: MENTION_EVERY });
  const posted = Date.now();
  const settled = await settleHome(ctx, reader, ids);
  const notifications = await settleNotifications(ctx, reader, READ_AUTHORS * 2 + READ_STATUSES / MENTION_EVERY);
  const seeded = Date.now();
  await sleep(QUIET_MS);

  const home = await ctx.load("/api/v1/timelines/home?limit=40", auth(reader));
  const notes = await ctx.load("/api/v1/notifications?limit=40", auth(reader));
  // The account's object keeps rendered pages until something on them changes; these rows
  // ask for a different page every time, so every request is read and rendered afresh.
  const anyOf = (ids: string[]) => ids[Math.floor(Math.random() * ids.length)];
  const homeFresh = await ctx.load(() => `/api/v1/timelines/home?limit=40&max_id=${anyOf(ids)}`, auth(reader));
  const noteIds = (await get(ctx, "/api/v1/notifications?limit=80", reader)).map((n: { id: string }) => n.id);
  const notesFresh = await ctx.load(() => `/api/v1/notifications?limit=40&max_id=${anyOf(noteIds)}`, auth(reader));
  const target = "≥60% rps, p50 ≤ +5 ms";
  return [
    { name: `GET /api/v1/timelines/home?limit=40 (${READ_AUTHORS} authors, ${READ_STATUSES} statuses)`, figures: home, target },
    { name: `GET /api/v1/notifications?limit=40 (${notifications >= 1000 ? "≥1000" : notifications} notifications)`, figures: notes, target },
    { name: "GET /api/v1/timelines/home?limit=40&max_id=<random>: a new page every request, none kept rendered", figures: homeFresh },
    { name: "GET /api/v1/notifications?limit=40&max_id=<random of 80>: pages mostly not kept rendered", figures: notesFresh },
    {
      name: "timelines seeding",
      note: `${secs(seeded - started)}: accounts+follows+favourites ${secs(postStart - started)}, ${READ_STATUSES} statuses ${secs(posted - postStart)} (${fmt((1000 * READ_STATUSES) / (posted - postStart), 0)}/s at ${SEED_CONCURRENCY} in flight), fan-out settled ${secs(seeded - posted)}${settled ? "" : " (NOT all in home)"}`,
    },
  ];
}

// ----- growth: reads at 100, 1,000 and 10,000 stored entries -----

/**
 * The newest page, asked for with `max_id` = newest + 1, +2, ... +64 in turn: the same 40
 * entries every time, but each request a page the object has not kept rendered (it keeps 16),
 * so every request reads and renders. Growth is judged on these.
 */
function afresh(path: string, newestId: string): () => string {
  let turn = 0;
  return () => `${path}&max_id=${BigInt(newestId) + BigInt(1 + (turn++ % 64))}`;
}

export const growth = (ctx: BenchContext) => measureGrowth(ctx, [100, 1000]);
export const growth10k = (ctx: BenchContext) => measureGrowth(ctx, [100, 1000, 10_000]);

async function measureGrowth(ctx: BenchContext, sizes: number[]): Promise<Row[]> {
  const started = Date.now();
  const app = await appToken(ctx.origin);
  const p = prefix("gr");
  const reader = await register(ctx, app, `${p}_reader`);
  const authors = await registerMany(ctx, app, `${p}_a`, GROWTH_AUTHORS);
  await pool(authors, SEED_CONCURRENCY, async (a) => void (await post(ctx, `/api/v1/accounts/${a.id}/follow`, reader)));
  const rows: Row[] = [];
  const perSize: { size: number; home: Figures; notes: Figures }[] = [];
  let posted: string[] = [];
  let postingMs = 0;
  for (const size of sizes) {
    const t0 = Date.now();
    // Every status mentions the reader: home and notifications grow together.
    posted = posted.concat(await postMany(ctx, authors, size - posted.length, `${p}-${size}`, { username: `${p}_reader`, every: 1 }));
    postingMs += Date.now() - t0;
    const settled = await settleHome(ctx, reader, posted);
    await sleep(QUIET_MS);
    const home = await ctx.load("/api/v1/timelines/home?limit=40", auth(reader));
    const notes = await ctx.load("/api/v1/notifications?limit=40", auth(reader));
    const homeFresh = await ctx.load(afresh("/api/v1/timelines/home?limit=40", (await get(ctx, "/api/v1/timelines/home?limit=1", reader))[0].id), auth(reader));
    const notesFresh = await ctx.load(afresh("/api/v1/notifications?limit=40", (await get(ctx, "/api/v1/notifications?limit=1", reader))[0].id), auth(reader));
    perSize.push({ size, home: homeFresh, notes: notesFresh });
    const suffix = settled ? "" : " (fan-out NOT settled)";
    rows.push({ name: `GET /api/v1/timelines/home?limit=40 with ${size} in home${suffix}`, figures: home });
    rows.push({ name: `GET /api/v1/notifications?limit=40 with ${size} notifications${suffix}`, figures: notes });
    rows.push({ name: `  the same home page read afresh every request, ${size} in home`, figures: homeFresh });
    rows.push({ name: `  the same notifications page read afresh every request, ${size} notifications`, figures: notesFresh });
  }
  const first = perSize[0];
  const last = perSize[perSize.length - 1];
  const change = (a: Figures, b: Figures) => `p50 ${fmt(a.p50, 2)} → ${fmt(b.p50, 2)} ms, rps ${fmt(a.rps, 0)} → ${fmt(b.rps, 0)}`;
  rows.push({
    name: `growth ${first.size} → ${last.size} entries (pages read afresh)`,
    note: `home ${change(first.home, last.home)}; notifications ${change(first.notes, last.notes)}`,
    target: "no slow-down as a timeline grows",
  });
  rows.push({
    name: "growth seeding",
    note: `${secs(Date.now() - started)} in all; ${posted.length} statuses posted in ${secs(postingMs)} (${fmt((1000 * posted.length) / postingMs, 0)}/s)`,
  });
  return rows;
}

// ----- fan-out -----

export const fanout = (ctx: BenchContext) => measureFanout(ctx, 1000, 8 * 60_000);
/** Registering 10,000 accounts through the API takes long: BENCH_SEED_MINUTES bounds it (default 40). */
export const fanout10k = (ctx: BenchContext) => measureFanout(ctx, 10_000, Number(process.env.BENCH_SEED_MINUTES ?? 40) * 60_000);

/**
 * An author with `count` local followers posts `posts` statuses (after one warm-up post).
 * Per post: the POST's latency, and the time from sending the POST until the post is in the
 * home timeline of (a) FANOUT_SAMPLE random followers and (b) the follower the fan-out reaches
 * last (followers are delivered in pages ordered by account id, so the largest id comes last),
 * each polled with `home?since_id=<previous post>`. After that, every follower's home is
 * checked (not timed): the row says how many did not hold the post yet at that moment.
 */
async function measureFanout(ctx: BenchContext, count: number, seedBudgetMs: number, posts = count > 1000 ? 3 : 5): Promise<Row[]> {
  const started = Date.now();
  const app = await appToken(ctx.origin);
  const p = prefix("fo");
  const author = await register(ctx, app, `${p}_author`);
  const followers = await registerMany(ctx, app, `${p}_f`, count, started + seedBudgetMs);
  const registered = Date.now();
  await pool(followers, SEED_CONCURRENCY, async (f) => void (await post(ctx, `/api/v1/accounts/${author.id}/follow`, f)));
  const seeded = Date.now();

  const last = followers.reduce((a, b) => (a.id > b.id ? a : b));
  const sample = shuffled(followers.filter((f) => f !== last)).slice(0, FANOUT_SAMPLE);
  const latencies: number[] = [];
  const sampleTimes: number[] = [];
  const lastTimes: number[] = [];
  let missing = 0;
  let previous = (await post(ctx, "/api/v1/statuses", author, { status: "fan-out warm-up" }, `${p}-warm`)).id as string;
  await untilInHome(ctx, [last], "0", previous, fanoutTimeoutMs(followers.length));
  for (let i = 0; i < posts; i++) {
    const sent = performance.now();
    const status = await post(ctx, "/api/v1/statuses", author, { status: `fan-out post ${i}` }, `${p}-${i}`);
    latencies.push(performance.now() - sent);
    const [sampled, lastOne] = await Promise.all([
      untilInHome(ctx, sample, previous, status.id, fanoutTimeoutMs(followers.length)),
      untilInHome(ctx, [last], previous, status.id, fanoutTimeoutMs(followers.length)),
    ]);
    sampleTimes.push(...sampled.map((t) => t - sent));
    lastTimes.push(...lastOne.map((t) => t - sent));
    missing += await countMissing(ctx, followers, previous, status.id);
    previous = status.id;
  }
  for (const list of [latencies, sampleTimes, lastTimes]) list.sort((a, b) => a - b);
  // The posts go one at a time: compare them with the trivial route one at a time too.
  const serial = await runLoad({ origin: ctx.origin, path: "/api/v1/streaming/health", concurrency: 1, warmupMs: 500, durationMs: 2000 });
  const n = followers.length;
  const short = n < count ? ` (seeding budget reached: ${n}/${count})` : "";
  const p50 = percentile(latencies, 50);
  return [
    {
      name: `fan-out ${n} followers: POST /api/v1/statuses`,
      note: `p50 ${fmt(p50, 2)} ms, max ${fmt(latencies[latencies.length - 1], 2)} ms over ${posts} posts sent one at a time: ${fmt(p50 / serial.p50, 1)}× the trivial route's p50 one at a time (${fmt(serial.p50, 2)} ms), ${fmt(p50 / ctx.trivial.p50, 1)}× its p50 at concurrency 10${short}`,
      target: "p50 ≤ 3× trivial p50",
    },
    {
      name: `fan-out ${n} followers: in every home`,
      note: `last follower in fan-out order: p50 ${secs(percentile(lastTimes, 50))}, max ${secs(lastTimes[lastTimes.length - 1])}; ${sample.length} random followers p50 ${secs(percentile(sampleTimes, 50))}, max ${secs(sampleTimes[sampleTimes.length - 1])}; then ${missing ? `${missing} homes still missing a post` : `all ${n} homes checked: complete`}`,
      target: n >= 10_000 ? "(reported)" : "< 5 s",
    },
    { name: `fan-out ${n} seeding`, note: `${secs(Date.now() - started)} in all: ${n} registrations ${secs(registered - started)}, follows ${secs(seeded - registered)}` },
  ];
}

/** Polls each user's home for `id` (newer than `since`); resolves with each arrival time. */
async function untilInHome(ctx: BenchContext, users: User[], since: string, id: string, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  return Promise.all(
    users.map(async (u) => {
      while (Date.now() < deadline) {
        const page: { id: string }[] = await get(ctx, `/api/v1/timelines/home?since_id=${since}&limit=5`, u);
        if (page.some((s) => s.id === id)) return performance.now();
        await sleep(10);
      }
      return NaN;
    }),
  );
}

async function countMissing(ctx: BenchContext, users: User[], since: string, id: string): Promise<number> {
  let missing = 0;
  await pool(users, SEED_CONCURRENCY, async (u) => {
    const page: { id: string }[] = await get(ctx, `/api/v1/timelines/home?since_id=${since}&limit=5`, u);
    if (!page.some((s) => s.id === id)) missing++;
  });
  return missing;
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
