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

/**
 * Process groups of the servers this process started and has not stopped. They run in groups of
 * their own (so that one signal stops wrangler and workerd together), which also means a Ctrl-C
 * or SIGTERM aimed at the test or bench run does not reach them: these handlers pass it on.
 */
const running = new Set<number>();
let handlersInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function stopAllOnExit(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once("exit", () => {
    for (const pid of running) killGroup(pid, "SIGKILL");
  });
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    process.once(signal, () => {
      for (const pid of running) killGroup(pid, "SIGTERM");
      // The "exit" handler then makes sure nothing outlives us.
      setTimeout(() => process.exit(code), 1000).unref();
    });
  }
}

export async function startServer(extraEnv: Record<string, string> = {}): Promise<LocalServer> {
  stopAllOnExit();
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
  running.add(child.pid!);
  child.once("exit", () => running.delete(child.pid!));
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
      killGroup(child.pid!, "SIGTERM");
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
        killGroup(child.pid!, "SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        killGroup(child.pid!, "SIGKILL");
      }
      running.delete(child.pid!);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
