import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { CHROMIUM, launchChromium, SCREENSHOTS, type Browser } from "./chromium";
import { startServer, type LocalServer } from "./server";

/**
 * The domain blocks admin page in a real browser (Debian's Chromium through playwright-core): an
 * admin signs in, follows the link from /admin, adds a suspension with media rejection, sees it
 * listed (and in the public list), removes it. Saves a screenshot in test/e2e/screenshots/.
 */

if (!existsSync(CHROMIUM)) {
  describe("admin domain blocks page in Chromium", () => {
    it.skip(`skipped: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)`, () => {});
  });
  console.warn(`admin-domains-browser.test.ts: ${CHROMIUM} not found, the browser check is skipped (apt-get install -y chromium)`);
} else {
  describe("admin domain blocks page in Chromium", () => {
    let server: LocalServer;
    let context: BrowserContext;
    let browser: Browser | undefined;
    const admin = { username: `root_${Date.now().toString(36).slice(-6)}`, email: "", password: "admin password 123" };
    admin.email = `${admin.username}@example.com`;

    beforeAll(async () => {
      server = await startServer();
      const created = await fetch(`${server.origin}/api/v1/pronghorn/setup/accounts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${server.setupToken}` },
        body: JSON.stringify({ username: admin.username, email: admin.email, password: admin.password, role: "admin" }),
      });
      expect(created.status, await created.clone().text()).toBe(200);
      browser = await launchChromium();
      context = browser.context;
    });

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    it("signs in, adds a suspension with media rejection, lists it, removes it", async () => {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
      page.on("console", (msg) => {
        if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
      });
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.goto(`${server.origin}/auth/sign_in`);
      await page.fill('input[name="login"]', admin.email);
      await page.fill('input[name="password"]', admin.password);
      await Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);

      await page.goto(`${server.origin}/admin`);
      await Promise.all([page.waitForURL(/\/admin\/domain_blocks$/), page.click('a[href="/admin/domain_blocks"]')]);
      expect(await page.textContent("h1")).toContain("Domain blocks");

      await page.fill("#domain", "Spam.Example");
      await page.selectOption("#severity", "suspend");
      await page.check('input[name="reject_media"]');
      await page.fill("#public_comment", "Spam and abuse");
      await Promise.all([page.waitForURL(/\/admin\/domain_blocks$/), page.click('form.add button[type="submit"]')]);
      const item = page.locator('li[data-domain="spam.example"]');
      expect(await item.count()).toBe(1);
      expect(await item.textContent()).toMatch(/suspend[\s\S]*media rejected/);
      await page.screenshot({ path: join(SCREENSHOTS, "admin-domain-blocks.png"), fullPage: true });

      // Listed publicly as configured.
      const list = (await (await fetch(`${server.origin}/api/v1/instance/domain_blocks`)).json()) as any[];
      expect(list).toContainEqual(expect.objectContaining({ domain: "spam.example", severity: "suspend", comment: "Spam and abuse" }));

      // A duplicate is refused on the page, with Mastodon's message.
      await page.fill("#domain", "spam.example");
      await page.click('form.add button[type="submit"]');
      await page.waitForSelector("p.error");
      expect(await page.textContent("p.error")).toContain("already imposed stricter limits");

      await page.goto(`${server.origin}/admin/domain_blocks`);
      await Promise.all([page.waitForURL(/\/admin\/domain_blocks$/), item.locator("button").click()]);
      expect(await page.locator('li[data-domain="spam.example"]').count()).toBe(0);
      const after = (await (await fetch(`${server.origin}/api/v1/instance/domain_blocks`)).json()) as any[];
      expect(after.some((b) => b.domain === "spam.example")).toBe(false);
      // The duplicate's 422 page is logged by Chromium as a failed load; nothing else may be.
      expect(problems.filter((p) => !p.includes("422"))).toEqual([]);
      await page.close();
    });
  });
}
