import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LocalServer } from "./server";
import { eventually, signUp, type Person } from "./federation-helpers";
import { createStaff, type Staff } from "./admin-helpers";

/**
 * Moderation with a real client library against `npm start`: a user reports another with masto,
 * the moderator hears of it (admin.report), assigns it, acts on the account with the report's id
 * (which resolves it), sees the account's real state, undoes the action, and reopens and
 * resolves the report; a suspension signs the account out until it is lifted.
 */
describe("report → moderator action, with masto", () => {
  let server: LocalServer;
  let admin: Staff;
  let alice: Person;
  let bob: Person;

  beforeAll(async () => {
    server = await startServer();
    admin = await createStaff(server, "modadmin", "admin");
    const suffix = Date.now().toString(36).slice(-5);
    alice = await signUp(server, `alice_${suffix}`);
    bob = await signUp(server, `bob_${suffix}`);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("resolves a report by acting on the reported account", async () => {
    const status = await bob.client.v1.statuses.create({ status: "buy my pills", visibility: "public" });
    const report = await alice.client.v1.reports.create({ accountId: bob.id, statusIds: [status.id], comment: "spam", category: "spam" });
    expect(report.targetAccount.id).toBe(bob.id);

    const notified = await eventually(async () => {
      const list = await admin.client.v1.notifications.list({ types: ["admin.report"] });
      const found = list.find((n) => (n as { report?: { id: string } }).report?.id === report.id);
      if (!found) throw new Error("no admin.report notification yet");
      return found;
    }, "admin.report notification");
    expect(notified.account?.id).toBe(alice.id);

    const open = await admin.client.v1.admin.reports.list({ targetAccountId: bob.id });
    expect(open.map((r) => r.id)).toContain(report.id);
    const shown = await admin.client.v1.admin.reports.$select(report.id).fetch();
    expect(shown.category).toBe("spam");
    expect(shown.statuses.map((s) => s.id)).toEqual([status.id]);

    const assigned = await admin.client.v1.admin.reports.$select(report.id).assignToSelf();
    expect(assigned.assignedAccount?.id).toBe(admin.id);

    await admin.client.v1.admin.accounts.$select(bob.id).action.create({ type: "silence", reportId: report.id, text: "No spam here" });
    const resolved = await admin.client.v1.admin.reports.$select(report.id).fetch();
    expect(resolved.actionTaken).toBe(true);
    expect(resolved.actionTakenByAccount?.id).toBe(admin.id);
    const silenced = await admin.client.v1.admin.accounts.$select(bob.id).fetch();
    expect(silenced.silenced).toBe(true);
    const listed = await admin.client.v2.admin.accounts.list({ status: "silenced" });
    expect(listed.map((a) => a.id)).toContain(bob.id);

    const unsilenced = await admin.client.v1.admin.accounts.$select(bob.id).unsilence();
    expect(unsilenced.silenced).toBe(false);

    const reopened = await admin.client.v1.admin.reports.$select(report.id).reopen();
    expect(reopened.actionTaken).toBe(false);
    const closed = await admin.client.v1.admin.reports.$select(report.id).resolve();
    expect(closed.actionTaken).toBe(true);
  });

  it("a suspension signs the account out and hides it until it is lifted", async () => {
    await admin.client.v1.admin.accounts.$select(bob.id).action.create({ type: "suspend" });
    await expect(bob.client.v1.accounts.verifyCredentials()).rejects.toThrow();
    const seen = await alice.client.v1.accounts.$select(bob.id).fetch();
    expect((seen as { suspended?: boolean }).suspended).toBe(true);
    expect(await alice.client.v1.accounts.$select(bob.id).statuses.list()).toEqual([]);
    const actor = await fetch(bob.uri, { headers: { accept: "application/activity+json" } });
    expect(((await actor.json()) as { suspended?: boolean }).suspended).toBe(true);

    const lifted = await admin.client.v1.admin.accounts.$select(bob.id).unsuspend();
    expect(lifted.suspended).toBe(false);
    const back = await alice.client.v1.accounts.$select(bob.id).fetch();
    expect((back as { suspended?: boolean }).suspended).toBeUndefined();
    expect((await alice.client.v1.accounts.$select(bob.id).statuses.list()).length).toBeGreaterThan(0);
  });
});
