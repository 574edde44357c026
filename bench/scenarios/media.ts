import type { BenchContext, Row } from "../run.ts";
import { appToken, registerUser } from "../seed.ts";
import { photoJpeg } from "../photo-jpeg.ts";

const UPLOADS = 10;

/** Media: upload-to-ready of a 2 MB camera-sized JPEG, and serving a stored image. */
export async function media(ctx: BenchContext): Promise<Row[]> {
  const app = await appToken(ctx.origin);
  const user = await registerUser(ctx.origin, app, `media${Date.now().toString(36)}`);
  const jpeg = await photoJpeg(2400, 1600, 2 * 1024 * 1024);
  const times: number[] = [];
  let last: { url: string; preview_url: string } | null = null;
  for (let i = 0; i < UPLOADS; i++) {
    const started = performance.now();
    last = await uploadUntilReady(ctx.origin, user.token, jpeg);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  const preview = await ctx.load(new URL(last!.preview_url).pathname);
  const original = await ctx.load(new URL(last!.url).pathname);
  return [
    {
      name: `POST /api/v2/media, ${(jpeg.length / 1024 / 1024).toFixed(2)} MB JPEG 2400×1600, until ready (${UPLOADS} in a row)`,
      note: `p50 ${p(0.5).toFixed(0)} ms, p99 ${p(0.99).toFixed(0)} ms`,
      target: "p50 < 1 s",
    },
    { name: "GET a stored image's small preview", figures: preview, target: "≥50% rps" },
    { name: "GET a stored image's original", figures: original },
  ];
}

async function uploadUntilReady(origin: string, token: string, bytes: Uint8Array): Promise<{ id: string; url: string; preview_url: string }> {
  const form = new FormData();
  form.set("file", new Blob([bytes], { type: "image/jpeg" }), "photo.jpg");
  const res = await fetch(`${origin}/api/v2/media`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
  let body = (await res.json()) as { id: string; url: string; preview_url: string };
  if (res.status !== 200 && res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(body)}`);
  while (!body.url) {
    await new Promise((r) => setTimeout(r, 20));
    const polled = await fetch(`${origin}/api/v1/media/${body.id}`, { headers: { authorization: `Bearer ${token}` } });
    body = (await polled.json()) as typeof body;
  }
  return body;
}
