import type { BenchContext, Row } from "../run.ts";
import { percentile, request, runLoad } from "../load.ts";
import { cpuMs, serverProcesses } from "../proc.ts";
import { appToken, pool } from "../seed.ts";
import { auth, post, prefix, register, registerMany, settleHome, settleNotifications, type User } from "./timelines.ts";

/**
 * `opening`: the reads every app makes when it opens, besides home and v1 notifications (those
 * are in `timelines`). READ_AUTHORS authors post STATUSES_EACH statuses each, every one tagged,
 * every MENTION_EVERY-th mentioning the reader, who follows them all and is followed back.
 *
 * `posting`: `POST /api/v1/statuses` under the same load for an author with 1 and with
 * FOLLOWERS local followers, the workerd CPU each post costs per follower, one post at a time
 * (the answer must not wait for the fan-out), and favourite/unfavourite.
 */
const READ_AUTHORS = 50;
const STATUSES_EACH = 40;
const MENTION_EVERY = 20;
const TAG = "openingbench";
const FOLLOWERS = 50;
const SERIAL_POSTS = 20;
const SEED_CONCURRENCY = 20;
const QUIET_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const target = "≥50% rps, p50 ≤ +10 ms";

export async function opening(ctx: BenchContext): Promise<Row[]> {
  const app = await appToken(ctx.origin);
  const p = prefix("op");
  const reader = await register(ctx, app, `${p}_reader`);
  const authors = await registerMany(ctx, app, `${p}_a`, READ_AUTHORS);
  await pool(authors, SEED_CONCURRENCY, async (a) => {
    await post(ctx, `/api/v1/accounts/${a.id}/follow`, reader);
    await post(ctx, `/api/v1/accounts/${reader.id}/follow`, a);
  });
  const own = await post(ctx, "/api/v1/statuses", reader, { status: "the reader's own status, for favourites" }, `${p}-own`);
  await pool(authors, SEED_CONCURRENCY, async (a) => void (await post(ctx, `/api/v1/statuses/${own.id}/favourite`, a)));
  const ids: string[] = [];
  await pool(Array.from({ length: READ_AUTHORS * STATUSES_EACH }, (_, i) => i), SEED_CONCURRENCY, async (i) => {
    const mention = i % MENTION_EVERY === 0 ? `@${p}_reader ` : "";
    const text = `${mention}opening bench status ${i} #${TAG}: the quick brown fox jumps over the lazy dog`;
    ids.push((await post(ctx, "/api/v1/statuses", authors[i % READ_AUTHORS], { status: text }, `${p}-${i}`)).id);
  });
  await settleHome(ctx, reader, ids);
  await settleNotifications(ctx, reader, READ_AUTHORS * 2 + ids.length / MENTION_EVERY);
  await sleep(QUIET_MS);

  const token = auth(reader);
  const author = authors[0];
  const someStatus = ids[ids.length >> 1];
  const v1 = await ctx.load("/api/v1/notifications?limit=40", token);
  const v2 = await ctx.load("/api/v2/notifications?limit=40", token);
  const rows: [string, Promise<Row["figures"]> | Row["figures"]][] = [
    ["GET /api/v1/notifications?limit=40 (for comparison)", v1],
    ["GET /api/v2/notifications?limit=40 (grouped)", v2],
  ];
  const reads: [string, string, Record<string, string>][] = [
    ["GET /api/v1/timelines/public?limit=40 with a token", "/api/v1/timelines/public?limit=40", token],
    ["GET /api/v1/timelines/public?limit=40 anonymous", "/api/v1/timelines/public?limit=40", {}],
    [`GET /api/v1/timelines/tag/${TAG}?limit=40 with a token`, `/api/v1/timelines/tag/${TAG}?limit=40`, token],
    [`GET /api/v1/timelines/tag/${TAG}?limit=40 anonymous`, `/api/v1/timelines/tag/${TAG}?limit=40`, {}],
    ["GET /api/v1/accounts/:id/statuses?limit=40 with a token", `/api/v1/accounts/${author.id}/statuses?limit=40`, token],
    ["GET /api/v1/accounts/:id/statuses?limit=40 anonymous", `/api/v1/accounts/${author.id}/statuses?limit=40`, {}],
    ["GET /api/v1/statuses/:id with a token", `/api/v1/statuses/${someStatus}`, token],
    ["GET /api/v1/statuses/:id anonymous", `/api/v1/statuses/${someStatus}`, {}],
    ["GET /users/:name (AS2 actor)", `/users/${p}_a0`, { accept: "application/activity+json" }],
  ];
  for (const [name, path, headers] of reads) rows.push([name, await ctx.load(path, headers)]);
  const out: Row[] = [];
  for (const [name, figures] of rows) out.push({ name, figures: await figures, target });
  out[1].note = `v2 p50 − v1 p50: ${fmt((await v2).p50 - (await v1).p50, 2)} ms`;
  out[1].target = `${target}; within 10% of v1`;
  return out;
}

export async function posting(ctx: BenchContext): Promise<Row[]> {
  const app = await appToken(ctx.origin);
  const p = prefix("ps");
  const lone = await register(ctx, app, `${p}_one`);
  const popular = await register(ctx, app, `${p}_many`);
  const followers = await registerMany(ctx, app, `${p}_f`, FOLLOWERS);
  await post(ctx, `/api/v1/accounts/${lone.id}/follow`, followers[0]);
  await pool(followers, SEED_CONCURRENCY, async (f) => void (await post(ctx, `/api/v1/accounts/${popular.id}/follow`, f)));
  await sleep(QUIET_MS);

  const workerd = serverProcesses(new URL(ctx.origin).port);
  const form = { "content-type": "application/x-www-form-urlencoded" };
  let n = 0;
  const body = () => `status=${encodeURIComponent(`posting bench ${n++}: the quick brown fox jumps over the lazy dog`)}`;
  const postLoad = async (user: User) => {
    const headers = { ...auth(user), ...form };
    const figures = await ctx.load("/api/v1/statuses", headers, { method: "POST", body: body() });
    await sleep(QUIET_MS);
    // CPU on its own run, without the trivial route interleaved; the wait lets the last posts' fan-out finish inside it.
    const cpu0 = cpuMs(workerd);
    const alone = await runLoad({ origin: ctx.origin, path: "/api/v1/statuses", method: "POST", headers, body: body(), concurrency: 10, warmupMs: 0, durationMs: 3000 });
    await sleep(QUIET_MS);
    return { figures, cpuPerPost: (cpuMs(workerd) - cpu0) / alone.requests };
  };
  const one = await postLoad(lone);
  const many = await postLoad(popular);
  const perFollower = (many.cpuPerPost - one.cpuPerPost) / (FOLLOWERS - 1);

  const serial = await postOneAtATime(ctx, popular);
  const trivialSerial = await runLoad({ origin: ctx.origin, path: "/api/v1/streaming/health", concurrency: 1, warmupMs: 500, durationMs: 2000 });

  const status = await post(ctx, "/api/v1/statuses", lone, { status: "a status to favourite" }, `${p}-fav`);
  let turn = 0;
  const favourite = await ctx.load(() => `/api/v1/statuses/${status.id}/${turn++ % 2 ? "unfavourite" : "favourite"}`, auth(followers[1]), { method: "POST" });
  return [
    { name: "POST /api/v1/statuses, author with 1 local follower", figures: one.figures, target: "≥30% rps" },
    { name: `POST /api/v1/statuses, author with ${FOLLOWERS} local followers`, figures: many.figures, target: "≥8% rps" },
    {
      name: "posting: workerd CPU per post",
      note: `${fmt(one.cpuPerPost, 2)} ms with 1 follower, ${fmt(many.cpuPerPost, 2)} ms with ${FOLLOWERS}: ${fmt(perFollower, 3)} ms per follower (all workerd processes, posts' fan-out included; CPU ticks are 10 ms)`,
    },
    {
      name: `POST /api/v1/statuses one at a time, ${FOLLOWERS} local followers`,
      note: `p50 ${fmt(serial.p50, 2)} ms, max ${fmt(serial.max, 2)} ms over ${SERIAL_POSTS} posts, each after the previous fan-out went quiet: ${fmt(serial.p50 / trivialSerial.p50, 1)}× the trivial route's p50 one at a time (${fmt(trivialSerial.p50, 2)} ms)`,
      target: "≤ 2× trivial p50",
    },
    { name: "POST /api/v1/statuses/:id/favourite then unfavourite", figures: favourite, target: "≥40% rps" },
  ];
}

/** Posts one at a time, each once the server has been quiet for a moment; latency of each POST. */
async function postOneAtATime(ctx: BenchContext, author: User): Promise<{ p50: number; max: number }> {
  const latencies: number[] = [];
  for (let i = 0; i < SERIAL_POSTS; i++) {
    await sleep(300);
    const t0 = performance.now();
    const res = await request(ctx.origin, "/api/v1/statuses", {
      method: "POST",
      headers: { ...auth(author), "content-type": "application/x-www-form-urlencoded" },
      body: `status=serial+post+${i}`,
    });
    if (res.status >= 300) throw new Error(`POST /api/v1/statuses → ${res.status} ${res.body}`);
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), max: latencies[latencies.length - 1] };
}

