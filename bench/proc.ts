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
      target: "issue 5: report",
    },
    {
      name: "outbound setup",
      note: `${PEERS - refused}/${PEERS} signed Follows accepted (202), ${acceptedPeers}/${PEERS} Accepts delivered${allAccepted ? "" : ` (not all within ${WAIT_MS / 1000} s)`}, author followers_count ${account.followers_count}; ${fmt(setupMs / 1000)} s${unsigned ? `; ${unsigned} deliveries unsigned` : ""}`,
    },
  ];
}
