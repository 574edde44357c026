import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bearer, DOMAIN, issueToken } from "./helpers";
import { eventually, follow, post, user } from "./graph-helpers";
import { inObject, post as postStatus } from "./status-helpers";
import { FakePeer, installFakeNetwork, peerHost, uninstallFakeNetwork } from "./federation-peer";
import { formFields } from "./oauth-helpers";
import { csvOf, finish, importAndWait, lines, runJobsOfKind, signedIn, uploadImport } from "./portability-helpers";

const FOLLOWING_HEADER = "Account address,Show boosts,Notify on new posts,Languages";

describe("CSV imports: round trip", () => {
  it("exports of one account imported into a fresh one give the same follows, lists, blocks, mutes and bookmarks", async () => {
    const old = await user("iold");
    const [a, b, c, d, e] = await Promise.all([user("ia"), user("ib"), user("ic"), user("id"), user("ie")]);
    await follow(old, a, { notify: true, languages: ["en", "fr"] });
    await follow(old, b, { reblogs: false });
    await follow(old, c);
    expect((await post(`/api/v1/accounts/${d.id}/mute`, old.token, { notifications: false })).status).toBe(200);
    expect((await post(`/api/v1/accounts/${e.id}/block`, old.token)).status).toBe(200);
    const friends: any = await (await post("/api/v1/lists", old.token, { title: "Friends" })).json();
    const work: any = await (await post("/api/v1/lists", old.token, { title: "Work, mostly" })).json();
    await post(`/api/v1/lists/${friends.id}/accounts`, old.token, { account_ids: [a.id, b.id] });
    await post(`/api/v1/lists/${work.id}/accounts`, old.token, { account_ids: [c.id] });
    const s1 = await postStatus(a, { status: "first" });
    const s2 = await postStatus(c, { status: "second" });
    for (const s of [s1, s2]) expect((await post(`/api/v1/statuses/${s.id}/bookmark`, old.token)).status).toBe(200);

    const files = {
      following: await csvOf(old, "following_accounts.csv"),
      lists: await csvOf(old, "lists.csv"),
      blocking: await csvOf(old, "blocked_accounts.csv"),
      muting: await csvOf(old, "muted_accounts.csv"),
      bookmarks: await csvOf(old, "bookmarks.csv"),
    };
    const fresh = await user("inew");
    for (const [type, csv] of Object.entries(files)) {
      const done = await importAndWait(fresh, type, csv);
      expect(done, type).toMatchObject({ type, mode: "merge", state: "finished", failed: 0, failures: [] });
      expect(done.processed).toBe(done.total);
    }
    // Same rows (the order is the import's: the file's newest follow is followed first).
    const following = await csvOf(fresh, "following_accounts.csv");
    expect(following.split("\n")[0]).toBe(FOLLOWING_HEADER);
    expect(lines(following, true)).toEqual(lines(files.following, true));
    expect(lines(await csvOf(fresh, "lists.csv"))).toEqual(lines(files.lists));
    expect(await csvOf(fresh, "blocked_accounts.csv")).toBe(files.blocking);
    expect(await csvOf(fresh, "muted_accounts.csv")).toBe(files.muting);
    expect(lines(await csvOf(fresh, "bookmarks.csv"))).toEqual(lines(files.bookmarks));
  });

  it("reads header-less files and Mastodon's older single-column exports", async () => {
    const me = await user("iplain");
    const [a, b] = await Promise.all([user("ipa"), user("ipb")]);
    const done = await importAndWait(me, "following", `${a.username}@${DOMAIN}\n\n@${b.username}\n`);
    expect(done).toMatchObject({ total: 2, processed: 2, failed: 0 });
    expect(lines(await csvOf(me, "following_accounts.csv"), true)).toEqual(
      [`${a.username}@${DOMAIN},true,false,`, `${b.username}@${DOMAIN},true,false,`].sort(),
    );
  });
});

describe("CSV imports: merge and overwrite", () => {
  it("merge keeps what is there; overwrite removes what the file does not name", async () => {
    const me = await user("imode");
    const [x, y, z] = await Promise.all([user("ix"), user("iy"), user("iz")]);
    await follow(me, x);
    await importAndWait(me, "following", `${FOLLOWING_HEADER}\n${y.username}@${DOMAIN},true,false,\n`);
    expect(lines(await csvOf(me, "following_accounts.csv"), true)).toEqual([`${x.username}@${DOMAIN},true,false,`, `${y.username}@${DOMAIN},true,false,`].sort());

    const done = await importAndWait(me, "following", `${FOLLOWING_HEADER}\n${z.username}@${DOMAIN},false,true,de\n${y.username}@${DOMAIN},true,false,\n`, "overwrite");
    expect(done).toMatchObject({ mode: "overwrite", total: 2, processed: 2, failed: 0 });
    expect(lines(await csvOf(me, "following_accounts.csv"), true)).toEqual([`${y.username}@${DOMAIN},true,false,`, `${z.username}@${DOMAIN},false,true,de`].sort());

    // Blocks and mutes alike; an overwrite of lists deletes the lists the file does not name.
    await post(`/api/v1/accounts/${x.id}/block`, me.token);
    await importAndWait(me, "blocking", `${y.username}@${DOMAIN}\n`, "overwrite");
    expect(await csvOf(me, "blocked_accounts.csv")).toBe(`${y.username}@${DOMAIN}\n`);
    await post("/api/v1/lists", me.token, { title: "Old list" });
    await importAndWait(me, "lists", `New list,${z.username}@${DOMAIN}\n`, "overwrite");
    const titles = ((await (await api("/api/v1/lists", { headers: bearer(me.token) })).json()) as any[]).map((l) => l.title);
    expect(titles).toEqual(["New list"]);
  });

  it("a list import follows the accounts it adds, as Mastodon does", async () => {
    const me = await user("ilist");
    const other = await user("ilo");
    const done = await importAndWait(me, "lists", `Reading,${other.username}@${DOMAIN}\n`);
    expect(done.failed).toBe(0);
    expect(await csvOf(me, "lists.csv")).toBe(`Reading,${other.username}@${DOMAIN}\n`);
    expect(lines(await csvOf(me, "following_accounts.csv"), true)).toEqual([`${other.username}@${DOMAIN},true,false,`]);
  });
});

describe("CSV imports: bad input", () => {
  it("reports every row that failed, with its line and reason, and applies the others", async () => {
    const me = await user("ibad");
    const good = await user("igood");
    const csv = `${FOLLOWING_HEADER}\nnobody-here@${DOMAIN},true,false,\nnot an address,true,false,\n${good.username}@${DOMAIN},true,false,\n${me.username}@${DOMAIN},true,false,\n`;
    const done = await importAndWait(me, "following", csv);
    expect(done).toMatchObject({ total: 4, processed: 4, failed: 3, state: "finished" });
    expect(done.failures).toEqual([
      { line: 2, row: [`nobody-here@${DOMAIN}`, "true", "false", ""], error: "Account not found" },
      { line: 3, row: ["not an address", "true", "false", ""], error: "Invalid account address" },
      { line: 5, row: [`${me.username}@${DOMAIN}`, "true", "false", ""], error: "Validation failed: You can't follow yourself" },
    ]);
    expect(await csvOf(me, "following_accounts.csv")).toBe(`${FOLLOWING_HEADER}\n${good.username}@${DOMAIN},true,false,\n`);
    // The failed rows come back as a file to fix and upload again.
    const again = await api(`/api/v1/pronghorn/imports/${done.id}/failures.csv`, { headers: bearer(me.token) });
    expect(await again.text()).toBe(`${FOLLOWING_HEADER}\nnobody-here@${DOMAIN},true,false,\nnot an address,true,false,\n${me.username}@${DOMAIN},true,false,\n`);
    // Domain blocks: merge adds, overwrite also lifts the blocks the file does not name.
    await importAndWait(me, "domain_blocking", "#domain\nspam.example\nOther.Example\n");
    expect(await csvOf(me, "blocked_domains.csv")).toBe("spam.example\nother.example\n");
    await importAndWait(me, "domain_blocking", "other.example\n", "overwrite");
    expect(await csvOf(me, "blocked_domains.csv")).toBe("other.example\n");
    const bookmarks = await importAndWait(me, "bookmarks", `https://${DOMAIN}/users/${good.username}/statuses/1\nnot a url\n`);
    expect(bookmarks.failures.map((f: any) => f.error)).toEqual(["Post not found", "Invalid post URL"]);
  });

  it("refuses unusable uploads whole, with Mastodon-shaped errors", async () => {
    const me = await user("ilimit");
    const expectError = async (res: Response, status: number, error: RegExp) => {
      const body: any = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(body.error).toMatch(error);
    };
    await expectError(await uploadImport(me.token, "following", ""), 422, /empty CSV file/);
    await expectError(await uploadImport(me.token, "following", `${FOLLOWING_HEADER}\n`), 422, /empty CSV file/);
    await expectError(await uploadImport(me.token, "friends", "a@b\n"), 422, /Type must be one of/);
    await expectError(await uploadImport(me.token, "following", "a@b\n", "replace"), 422, /Mode must be merge or overwrite/);
    await expectError(await uploadImport(me.token, "following", new Uint8Array([0xff, 0xfe, 0x41])), 422, /UTF-8/);
    await expectError(await uploadImport(me.token, "blocking", "a@b.example\n".repeat(20_001)), 422, /more than 20000 rows/);
    await expectError(await uploadImport(me.token, "following", "a@b.example\n".repeat(7_501)), 422, /cannot follow more than 7500/);
    const noFile = await api("/api/v1/pronghorn/imports", { method: "POST", headers: bearer(me.token), body: new URLSearchParams({ type: "following" }) });
    await expectError(noFile, 422, /Data can't be blank/);
    const readOnly = await issueToken(me.id, ["read", "write:blocks"]);
    await expectError(await uploadImport(readOnly, "following", "a@b.example\n"), 403, /outside the authorized scopes/);
    // (a local address: the import runs in the background and the test runtime has no network)
    expect((await uploadImport(readOnly, "blocking", `nobody@${DOMAIN}\n`)).status).toBe(200);
    const list: any = await (await api("/api/v1/pronghorn/imports", { headers: bearer(me.token) })).json();
    expect(list.map((i: any) => i.type)).toEqual(["blocking"]);
    expect((await api("/api/v1/pronghorn/imports/123", { headers: bearer(me.token) })).status).toBe(404);
  });
});

describe("CSV imports: the settings page", () => {
  it("uploads from the page, then shows progress and the failed rows", async () => {
    const me = await user("ipage");
    const target = await user("ipaget");
    const browser = await signedIn(me);
    const page = await browser.get("/settings/imports");
    expect(page.status).toBe(200);
    const fields = formFields(await page.text(), "/settings/imports");
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set("type", "muting");
    form.set("mode", "merge");
    form.set("data", new File([`Account address,Hide notifications\n${target.username}@${DOMAIN},false\nghost@${DOMAIN},true\n`], "mutes.csv", { type: "text/csv" }));
    const created = await browser.fetch("/settings/imports", { method: "POST", body: form });
    expect(created.status).toBe(303);
    const location = created.headers.get("location")!;
    expect(location).toMatch(/^\/settings\/imports\/\d+$/);
    const running = await (await browser.get(location)).text();
    expect(running).toContain('http-equiv="refresh"');
    await finish(me, location.split("/").pop()!);
    const report = await (await browser.get(location)).text();
    expect(report).toContain("Finished, 1 failed");
    expect(report).toContain(`ghost@${DOMAIN},true`);
    expect(report).toContain("Account not found");
    expect(report).not.toContain('http-equiv="refresh"');
    const failures = await browser.get(`${location}/failures.csv`);
    expect(failures.headers.get("content-disposition")).toBe('attachment; filename="failures.csv"');
    expect(await failures.text()).toBe(`Account address,Hide notifications\nghost@${DOMAIN},true\n`);
    expect(await csvOf(me, "muted_accounts.csv")).toBe(`Account address,Hide notifications\n${target.username}@${DOMAIN},false\n`);

    // Without the form's CSRF value nothing is imported.
    const forged = new FormData();
    forged.set("type", "muting");
    forged.set("data", new File(["x@y.example\n"], "m.csv"));
    expect((await browser.fetch("/settings/imports", { method: "POST", body: forged })).status).toBe(403);
    // A bad file is explained on the page.
    const empty = new FormData();
    for (const [k, v] of Object.entries(fields)) empty.set(k, v);
    empty.set("type", "muting");
    empty.set("data", new File([""], "m.csv"));
    const refused = await browser.fetch("/settings/imports", { method: "POST", body: empty });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("empty CSV file");
  });
});

describe("CSV imports: remote accounts", () => {
  let peer: FakePeer;
  beforeAll(async () => {
    peer = new FakePeer(peerHost("imp"));
    peer.route("/.well-known/webfinger", (req) => {
      const m = /^acct:([^@]+)@(.+)$/.exec(new URL(req.url).searchParams.get("resource") ?? "");
      if (!m || m[1] !== "bob") return new Response("not found", { status: 404 });
      return Response.json({ subject: `acct:bob@${peer.host}`, links: [{ rel: "self", type: "application/activity+json", href: `${peer.origin}/users/bob` }] });
    });
    await peer.addActor("bob");
    installFakeNetwork(peer);
  });
  afterAll(() => uninstallFakeNetwork());

  it("finds remote accounts through WebFinger and follows them over ActivityPub", async () => {
    const me = await user("iremote");
    const done = await importAndWait(me, "following", `${FOLLOWING_HEADER}\nbob@${peer.host},false,false,\nnobody@${peer.host},true,false,\n`);
    expect(done.failures).toEqual([{ line: 3, row: [`nobody@${peer.host}`, "true", "false", ""], error: "Account not found" }]);
    const rows = await inObject(me.id, (o) => o.sql.exec<{ state: string; reblogs: number; snapshot: string }>("SELECT state, reblogs, snapshot FROM following").toArray());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: "requested", reblogs: 0 });
    expect(JSON.parse(rows[0].snapshot)).toMatchObject({ username: "bob", domain: peer.host });
    // The Follow is queued durably and delivered to bob's inbox, signed.
    await runJobsOfKind(me.id, "federation.send");
    await eventually(async () => {
      const follows = peer.received((r) => r.method === "POST" && JSON.parse(new TextDecoder().decode(r.body)).type === "Follow");
      expect(follows).toHaveLength(1);
      expect(follows[0].headers.get("signature")).toBeTruthy();
    });
  });
});
