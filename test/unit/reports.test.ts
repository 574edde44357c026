import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { uninstallFakeNetwork } from "./federation-peer";
import { localUser, remoteId, remoteServer } from "./federation-handlers-helpers";
import { api, jsonBody } from "./helpers";
import { expectSchema } from "./openapi";
import { expectError, post } from "./status-helpers";
import { deliveryStub } from "../../core/stubs";

afterAll(() => uninstallFakeNetwork());

describe("POST /api/v1/reports", () => {
  it("files a report the moderators see, with its statuses, category and comment", async () => {
    const [reporter, target] = await Promise.all([localUser("reporter"), localUser("target")]);
    const status = await post(target, { status: "something bad" });
    const res = await api("/api/v1/reports", jsonBody("POST", { account_id: target.id, status_ids: [status.id], comment: "Spam", category: "spam" }, reporter.token));
    const report: any = await res.json();
    expect(res.status, JSON.stringify(report)).toBe(200);
    expectSchema(report, "Report");
    expect(report).toMatchObject({ category: "spam", comment: "Spam", status_ids: [status.id], forwarded: false, action_taken: false, target_account: { id: target.id } });
    const listed = await env.DIRECTORY.get(env.DIRECTORY.idFromName("directory")).reports({ targetAccountId: target.id });
    expect(listed.map((r) => r.id)).toContain(report.id);
  });

  it("refuses unknown accounts, oneself, bad categories, unknown rules and overlong comments", async () => {
    const me = await localUser("reporter");
    const other = await localUser("target");
    const send = (body: Record<string, unknown>) => api("/api/v1/reports", jsonBody("POST", body, me.token));
    expect((await send({ account_id: "123456789" })).status).toBe(404);
    for (const [body, message] of [
      [{}, /Account/],
      [{ account_id: me.id }, /yourself/],
      [{ account_id: other.id, category: "rude" }, /Category/],
      [{ account_id: other.id, rule_ids: ["999"] }, /Rule/],
      [{ account_id: other.id, comment: "x".repeat(1001) }, /Comment/],
    ] as const) {
      const res = await send(body as Record<string, unknown>);
      expectError({ status: res.status, body: await res.json() }, 422, message as RegExp);
    }
  });

  it("forwards a report about a remote account to its server as a Flag from the instance actor", async () => {
    const server = remoteServer("reported");
    const carol = await server.actor("carol");
    const me = await localUser("reporter");
    const id = await remoteId(carol);
    const res = await api("/api/v1/reports", jsonBody("POST", { account_id: id, comment: "Please look", forward: true }, me.token));
    const report: any = await res.json();
    expect(res.status, JSON.stringify(report)).toBe(200);
    expect(report.forwarded).toBe(true);
    await runDurableObjectAlarm(deliveryStub(env, server.peer.host));
    const flags = server.peer.received((r) => r.method === "POST").map((r) => JSON.parse(new TextDecoder().decode(r.body)));
    const flag = flags.find((a) => a.type === "Flag");
    expect(flag).toMatchObject({ type: "Flag", actor: "https://pronghorn.test/actor", content: "Please look" });
    expect([flag.object].flat()).toContain(carol.uri);
  });
});
