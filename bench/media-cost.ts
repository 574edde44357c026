// `node bench/media-cost.ts`: CPU time and peak memory of processing photos in workerd.
// Starts bench/media/worker.ts under `wrangler dev`, has it make photo-like JPEGs, posts each to
// processImage several times and reads the workerd process's CPU time (utime+stime, /proc) and
// peak resident memory (VmHWM, reset before each run through clear_refs) around every run.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { freePort } from "../test/e2e/server.ts";
import { pngFile } from "../test/e2e/png.ts";
import { cpuMs, serverProcesses } from "./proc.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.RUNS ?? 5);
const ONLY = process.env.ONLY; // a substring of the case labels to run

function kib(pid: number, field: "VmHWM" | "VmRSS"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(field));
  return Number(line?.split(/\s+/)[1] ?? NaN);
}

function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5"); // resets VmHWM to the current RSS
  } catch {
    // not permitted here: the peak then covers the whole run so far
  }
}

/** An APP1 EXIF segment that says only Orientation = `value`: forces the turn-and-re-encode path. */
function withOrientation(jpeg: Uint8Array, value: number): Uint8Array {
  const tiff = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, value, 0, 0, 0, 0, 0, 0, 0];
  const body = [...Buffer.from("Exif\0\0"), ...tiff];
  const segment = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  return Uint8Array.from([...jpeg.subarray(0, 2), ...segment, ...jpeg.subarray(2)]);
}

/** A screenshot-like RGBA PNG (flat panels, lines of "text"), made here with zlib. */
function screenshotPng(width: number, height: number): Uint8Array {
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 4);
    raw[row] = 1; // Sub filter
    for (let x = 0; x < width; x++) {
      const panel = ((x >> 9) + (y >> 8)) % 3;
      const text = (y % 24 < 14 && ((x * 7 + y * 3) % 11 < 4)) ? 90 : 0;
      const px = [240 - panel * 30 - text, 240 - panel * 20 - text, 250 - panel * 10 - text, 255];
      for (let c = 0; c < 4; c++) raw[row + 1 + x * 4 + c] = px[c];
    }
    for (let i = row + 1 + width * 4 - 1; i >= row + 5; i--) raw[i] = (raw[i] - raw[i - 4]) & 255;
  }
  return pngFile(width, height, 6, raw);
}

/** The same JPEG re-coded progressive by libjpeg-turbo's jpegtran, when the machine has it. */
function progressive(jpeg: Uint8Array): Uint8Array | null {
  const run = spawnSync("jpegtran", ["-progressive", "-copy", "none"], { input: jpeg, maxBuffer: 64 << 20 });
  return run.status === 0 ? new Uint8Array(run.stdout) : null;
}

/** The JPEG re-coded by ffmpeg (WebP, AVIF), when the machine has it; never at test time. */
function viaFfmpeg(jpeg: Uint8Array, extension: string, args: string[]): Uint8Array | null {
  // To a file, not a pipe: on a pipe ffmpeg cannot go back to fill in RIFF/ISO box sizes.
  const out = join(tmpdir(), `pronghorn-media-bench-${process.pid}.${extension}`);
  const run = spawnSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "jpeg_pipe", "-i", "-", "-frames:v", "1", ...args, out], { input: jpeg });
  if (run.status !== 0) return null;
  const bytes = new Uint8Array(readFileSync(out));
  rmSync(out, { force: true });
  return bytes;
}

async function startWorker(): Promise<{ origin: string; pid: number; stop: () => void }> {
  const port = String(await freePort());
  const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  const child = spawn(process.execPath, [wrangler, "dev", "-c", "bench/media/wrangler.toml", "--port", port, "--ip", "127.0.0.1", "--show-interactive-dev-session=false"], {
    cwd: root,
    stdio: "ignore",
    detached: true,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${origin}/`)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const pids = serverProcesses(port);
  console.log("workerd processes:", pids.map((p) => `${p} (${kib(p, "VmRSS")} KiB)`).join(", "));
  // The isolate lives in the largest workerd process.
  const pid = pids.sort((a, b) => kib(b, "VmRSS") - kib(a, "VmRSS"))[0];
  if (!pid) throw new Error("no workerd process found for the bench Worker");
  return { origin, pid, stop: () => process.kill(-child.pid!) };
}

interface Row {
  label: string;
  bytes: number;
  wallMs: number[];
  cpuMs: number[];
  peakMiB: number[];
  wasm: string;
  outcome: string;
}

async function measure(origin: string, pid: number, label: string, image: Uint8Array, query = ""): Promise<Row> {
  const row: Row = { label, bytes: image.length, wallMs: [], cpuMs: [], peakMiB: [], wasm: "", outcome: "" };
  for (let i = 0; i < RUNS; i++) {
    const baseline = kib(pid, "VmRSS");
    resetPeak(pid);
    const cpuBefore = cpuMs([pid]);
    const started = performance.now();
    const result = await (await fetch(`${origin}/process${query}`, { method: "POST", body: image })).json();
    row.wallMs.push(performance.now() - started);
    row.cpuMs.push(cpuMs([pid]) - cpuBefore);
    row.peakMiB.push((kib(pid, "VmHWM") - baseline) / 1024);
    row.wasm = Object.entries(result.wasmPeakBytes as Record<string, number>).map(([codec, bytes]) => `${codec} ${(bytes / 2 ** 20).toFixed(0)}`).join(", ");
    row.outcome = result.ok ? `original ${result.original.join("×").replace(/×(\d+)$/, " ($1 B)")}, small ${result.small.join("×")}` : `error: ${result.error}`;
  }
  return row;
}

function optional(label: string, make: () => Uint8Array | null): Array<[string, Uint8Array, string]> {
  if (ONLY && !label.includes(ONLY)) return [];
  const bytes = make();
  return bytes ? [[label, bytes, ""]] : [];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => n.toFixed(0).padStart(6);

async function main() {
  const server = await startWorker();
  try {
    const make = async (w: number, h: number) => new Uint8Array(await (await fetch(`${server.origin}/make?w=${w}&h=${h}`)).arrayBuffer());
    const photo12 = await make(4032, 3024);
    const photo8 = await make(3840, 2160);
    const cases: Array<[string, Uint8Array, string]> = [
      ["12.2 MP JPEG, upright: metadata stripped, original kept", photo12, ""],
      ["12.2 MP JPEG, orientation 6: turned, re-encoded", withOrientation(photo12, 6), ""],
      ["12.2 MP JPEG, scaled to 8.3 MP (Mastodon's size)", photo12, "?max=8294400"],
      ["8.3 MP JPEG, orientation 6", withOrientation(photo8, 6), ""],
      ["16.8 MP JPEG (4096×4096), upright", await make(4096, 4096), ""],
      ["24 MP JPEG (6000×4000), upright", await make(6000, 4000), ""],
      ...(progressive(photo12) ? [["12.2 MP progressive JPEG (jpegtran): refused", progressive(photo12)!, ""] as [string, Uint8Array, string]] : []),
      ...(progressive(photo8) ? [["8.3 MP progressive JPEG (jpegtran), upright", progressive(photo8)!, ""] as [string, Uint8Array, string]] : []),
      ...optional("12.2 MP WebP (ffmpeg), upright", () => viaFfmpeg(photo12, "webp", ["-c:v", "libwebp", "-q:v", "80"])),
      ...optional("4.1 MP AVIF (ffmpeg, 2560×1600): decoded, stored as JPEG", () => viaFfmpeg(photo12, "avif", ["-vf", "scale=2560:1600", "-c:v", "libaom-av1", "-still-picture", "1", "-cpu-used", "8", "-crf", "30"])),
      ...optional("12.2 MP AVIF (ffmpeg): refused", () => viaFfmpeg(photo12, "avif", ["-c:v", "libaom-av1", "-still-picture", "1", "-cpu-used", "8", "-crf", "30"])),
      ["3.6 MP PNG screenshot (1290×2796), RGBA", screenshotPng(1290, 2796), ""],
      ["12.6 MP PNG (4096×3072), RGBA", screenshotPng(4096, 3072), ""],
      ["12.6 MP PNG (4096×3072), scaled to 4 MP: PNG re-encoded", screenshotPng(4096, 3072), "?max=4194304"],
    ];
    await measure(server.origin, server.pid, "warm-up", photo12); // JIT tiers, first instances
    console.log(`media-cost: ${RUNS} runs each; wall and CPU are medians. CPU = workerd utime+stime.`);
    console.log("peak = the largest rise of VmHWM over the RSS before a run; it undercounts when a run reuses pages an");
    console.log("earlier one freed. The decode peak is about the WASM heap below plus 4 bytes a pixel (the copy it hands back).");
    console.log(`${"case".padEnd(58)} ${"bytes".padStart(9)} ${"wall ms".padStart(8)} ${"CPU ms".padStart(7)} ${"peak MiB".padStart(9)}  result`);
    for (const [label, image, query] of cases.filter(([label]) => !ONLY || label.includes(ONLY))) {
      const r = await measure(server.origin, server.pid, label, image, query);
      console.log(`${label.padEnd(58)} ${String(r.bytes).padStart(9)} ${fmt(median(r.wallMs)).padStart(8)} ${fmt(median(r.cpuMs)).padStart(7)} ${fmt(Math.max(...r.peakMiB)).padStart(9)}   ${r.outcome}; WASM MiB: ${r.wasm}`);
    }
  } finally {
    server.stop();
  }
}

await main();
