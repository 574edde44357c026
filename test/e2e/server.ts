import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Starts `npm start` (wrangler dev on workerd) on a free loopback port with a fresh state
 * directory, waits until it answers, and stops it (and its children) on `stop()`.
 */
export interface LocalServer {
  origin: string;
  port: number;
  setupToken: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export async function startServer(extraEnv: Record<string, string> = {}): Promise<LocalServer> {
  const port = await freePort();
  // The bench puts state in RAM (bench/run.ts); tests use the temp directory.
  const stateDir = mkdtempSync(join(process.env.LOCAL_SERVER_STATE_PARENT || tmpdir(), "pronghorn-e2e-"));
  const setupToken = `e2e-setup-${Math.random().toString(36).slice(2)}${Date.now()}`;
  const child: ChildProcess = spawn("npm", ["start"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: {
      ...process.env,
      PORT: String(port),
      PRONGHORN_STATE_DIR: stateDir,
      SETUP_TOKEN: setupToken,
      INSPECTOR_PORT: String(await freePort()),
      WRANGLER_LOG_LEVEL: "warn",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      const res = await fetch(`${origin}/api/v1/streaming/health`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      process.kill(-child.pid!, "SIGTERM");
      throw new Error(`server did not start within 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    origin,
    port,
    setupToken,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        try {
          process.kill(-child.pid!, "SIGTERM");
        } catch {
          // already gone
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
