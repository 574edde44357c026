import { readFileSync, readdirSync, readlinkSync } from "node:fs";

// CPU time of the server's workerd processes, from /proc (Linux): a figure that machine load
// does not inflate, unlike latency.

/** The workerd processes of the server listening on `port` (its process group), or [] without /proc. */
export function serverProcesses(port: string): number[] {
  try {
    const hex = `:${Number(port).toString(16).toUpperCase().padStart(4, "0")}`;
    const inodes = new Set<string>();
    for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length > 9 && cols[1].endsWith(hex) && cols[3] === "0A") inodes.add(cols[9]);
      }
    }
    const pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
    const listener = pids.find((pid) => {
      try {
        return readdirSync(`/proc/${pid}/fd`).some((fd) => {
          try {
            return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? "");
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    });
    if (!listener) return [];
    const group = statFields(Number(listener))[2];
    return pids.map(Number).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd" && statFields(pid)[2] === group;
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

/** /proc/<pid>/stat after the command name: state, ppid, pgrp, ... utime (11), stime (12). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** utime + stime of the processes in ms (clock ticks of 10 ms); NaN without them. */
export function cpuMs(pids: number[]): number {
  if (pids.length === 0) return NaN;
  let total = 0;
  for (const pid of pids) {
    try {
      const f = statFields(pid);
      total += (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}
