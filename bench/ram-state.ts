import { existsSync } from "node:fs";

/**
 * Servers started by the bench keep their state in RAM (/dev/shm) unless BENCH_ON_DISK=1.
 * Every write an object makes is committed before its response or WebSocket message leaves
 * (output gates); on this kind of shared machine a commit to disk waits for an fsync that can
 * take tens of milliseconds depending on what else writes, which would swamp the figures with
 * the disk's latency rather than the code's cost. `npm start` itself persists to .wrangler/state.
 */
export function keepStateInRam(): string {
  if (process.env.BENCH_ON_DISK === "1" || !existsSync("/dev/shm")) return "state on disk (temp directory)";
  process.env.LOCAL_SERVER_STATE_PARENT = "/dev/shm";
  return "state in RAM (/dev/shm; BENCH_ON_DISK=1 for disk)";
}
