import { expect } from "vitest";
import { api, bearer } from "./helpers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { AccountObject } from "../../objects/account/account-object";
import { accountObject } from "./status-helpers";
import { Browser, formFields } from "./oauth-helpers";
import type { TestUser } from "./helpers";

/** Helpers of the export, import and archive tests. */

export async function csvOf(user: TestUser, file: string): Promise<string> {
  const res = await api(`/api/v1/pronghorn/exports/${file}`, { headers: bearer(user.token) });
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  return res.text();
}

export function uploadImport(token: string, type: string, csv: string | Uint8Array, mode = "merge"): Promise<Response> {
  const form = new FormData();
  form.set("type", type);
  form.set("mode", mode);
  form.set("data", new File([csv], `${type}.csv`, { type: "text/csv" }));
  return api("/api/v1/pronghorn/imports", { method: "POST", headers: bearer(token), body: form });
}

/** Uploads, runs the import's batches until it is finished, returns its detail. */
export async function importAndWait(user: TestUser, type: string, csv: string, mode = "merge"): Promise<any> {
  const res = await uploadImport(user.token, type, csv, mode);
  const created: any = await res.json();
  expect(res.status, JSON.stringify(created)).toBe(200);
  return finish(user, created.id);
}

export async function finish(user: TestUser, id: string): Promise<any> {
  for (let i = 0; i < 50; i++) {
    const detail = await importDetail(user, id);
    if (detail.state === "finished") return detail;
    await runJobsOfKind(user.id, "import.batch");
  }
  throw new Error(`import ${id} did not finish`);
}

export async function importDetail(user: TestUser, id: string): Promise<any> {
  const res = await api(`/api/v1/pronghorn/imports/${id}`, { headers: bearer(user.token) });
  expect(res.status).toBe(200);
  return res.json();
}

/** A browser signed in as `user` through the sign-in form. */
export async function signedIn(user: TestUser): Promise<Browser> {
  const browser = new Browser();
  const page = await browser.get("/auth/sign_in");
  const fields = formFields(await page.text(), "/auth/sign_in");
  const res = await browser.post("/auth/sign_in", { ...fields, login: user.username, password: user.password });
  expect(res.status).toBeLessThan(400);
  expect(browser.cookies.has("pronghorn_session")).toBe(true);
  return browser;
}

/** Sorted data lines of a CSV (without its header), for comparing exports of two accounts. */
export function lines(csv: string, header = false): string[] {
  const all = csv.split("\n").filter((l) => l !== "");
  return (header ? all.slice(1) : all).sort();
}

/**
 * Runs an account's queued jobs of one kind now. Their time is set to 1, not 0: a job that
 * wakes the object (a follow does) sets the alarm to the earliest due job, and 0 is refused.
 */
export async function runJobsOfKind(accountId: string, kind: string): Promise<void> {
  const stub = accountObject(accountId);
  await runInDurableObject(stub, (o: AccountObject) => {
    o.sql.exec("UPDATE outbox SET next_at = 1 WHERE kind = ?", kind);
    return o.storage.setAlarm(Date.now());
  });
  await runDurableObjectAlarm(stub);
}
