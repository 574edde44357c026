import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { CHROMIUM, launchChromium, SCREENSHOTS, type Browser } from "./chromium";
import { startServer, type LocalServer } from "./server";
import { signUp, type Person } from "./federation-helpers";
import { createStaff, type Staff } from "./admin-helpers";

/**
 * The /admin page in a real browser (Debian's Chromium through playwright-core, as
 * web-browser.test.ts): a moderator signs in through the form, assigns a report to themself,
 * suspends the reported account from the report (which resolves it), unsuspends it from the
 * account list, and reopens the report. Screenshots go to test/e2e/screenshots/admin-*.png.
 */

if (!existsSync(CHROMIUM)) {
  describe("the moderation page in Chromium", () => {
    it.skip(`skipped: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)`, () => {});
  });
} else {
  describe("the moderation page in Chromium", () => {
    let server: LocalServer;
    let moderator: Staff;
    let reporter: Person;
    let target: Person;
    let reportId: string;
    let context: BrowserContext;
    let browser: Browser | undefined;

    beforeAll(async () => {
      server = await startServer();
      moderator = await createStaff(server, "pagemod", "moderator");
      const suffix = Date.now().toString(36).slice(-5);
      reporter = await signUp(server, `rep_${suffix}`);
      target = await signUp(server, `spammer_${suffix}`);
      const status = await target.client.v1.statuses.create({ status: "cheap watches", visibility: "public" });
      reportId = (await reporter.client.v1.reports.create({ accountId: target.id, statusIds: [status.id], comment: "Spam <again>", category: "spam" })).id;
      browser = await launchChromium();
      context = browser.context;
    });

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    async function shot(page: Page, name: string): Promise<void> {
      await page.screenshot({ path: join(SCREENSHOTS, `admin-${name}.png`), fullPage: true });
    }

    it("handles a report and an account's suspension through the page", async () => {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
      page.on("console", (msg) => {
        if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
      });
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.goto(`${server.origin}/auth/sign_in`);
      await page.fill("#login", moderator.email);
      await page.fill("input[name=password]", moderator.password);
      await Promise.all([page.waitForLoadState("load"), page.click("button[type=submit]")]);
      const opened = await page.goto(`${server.origin}/admin`);
      expect(opened?.status()).toBe(200);
      const report = page.locator(`#report-${reportId}`);
      await expect(report.textContent()).resolves.toContain("Spam <again>");
      await shot(page, "1-open-report");

      await Promise.all([page.waitForNavigation({ url: `${server.origin}/admin`, waitUntil: "load" }), report.getByRole("button", { name: "Assign to me" }).click()]);
      await expect(page.locator(`#report-${reportId}`).textContent()).resolves.toContain(`assigned to @${moderator.username}`);

      // Suspend from the report: the action resolves it.
      await page.locator(`#report-${reportId} select[name=type]`).selectOption("suspend");
      await page.locator(`#report-${reportId} input[name=text]`).fill("Spam account");
      await shot(page, "2-suspend-chosen");
      await Promise.all([page.waitForNavigation({ url: `${server.origin}/admin`, waitUntil: "load" }), page.locator(`#report-${reportId}`).getByRole("button", { name: "Apply" }).click()]);
      const resolved = page.locator(`#report-${reportId}`);
      await expect(resolved.textContent()).resolves.toContain(`Resolved by @${moderator.username}`);
      const account = page.locator(`#account-${target.id}`);
      await expect(account.textContent()).resolves.toContain("suspended");
      await shot(page, "3-suspended");
      await expect(target.client.v1.accounts.verifyCredentials()).rejects.toThrow();

      // Lift it from the account list, then reopen the report.
      await Promise.all([page.waitForNavigation({ url: `${server.origin}/admin`, waitUntil: "load" }), account.getByRole("button", { name: "Unsuspend" }).click()]);
      await expect(page.locator(`#account-${target.id}`).textContent()).resolves.not.toContain("suspended");
      await Promise.all([page.waitForNavigation({ url: `${server.origin}/admin`, waitUntil: "load" }), page.locator(`#report-${reportId}`).getByRole("button", { name: "Reopen" }).click()]);
      await expect(page.locator(`#report-${reportId}`).getByRole("button", { name: "Mark as resolved" }).count()).resolves.toBe(1);
      await shot(page, "4-reopened");

      // A moderator cannot act on staff: no action buttons on their own row.
      await expect(page.locator(`#account-${moderator.id}`).getByRole("button").count()).resolves.toBe(0);
      const state = await moderator.client.v1.admin.accounts.$select(target.id).fetch();
      expect(state.suspended).toBe(false);
      // At a phone's width the page fits: no sideways scrolling.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(page, "5-phone");
      expect(problems).toEqual([]);
      await page.close();
    });
  });
}
