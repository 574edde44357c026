import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { CHROMIUM, launchChromium, SCREENSHOTS, type Browser } from "./chromium";
import { startServer, type LocalServer } from "./server";
import { signUp, type Person } from "./federation-helpers";
import { pngFile } from "./png";

/**
 * The public web face in a real browser: Debian's Chromium driven by playwright-core opens each
 * page at a desktop and a phone width, saves a screenshot (test/e2e/screenshots/, not committed),
 * and checks there are no console errors, no broken images and no broken links to our own routes.
 */
const WIDTHS = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "phone", width: 390, height: 844 },
];

/** A small opaque RGB gradient PNG, for a status with an image. */
function testPng(size = 32): Uint8Array {
  const rows: number[] = [];
  for (let y = 0; y < size; y++) {
    rows.push(0);
    for (let x = 0; x < size; x++) rows.push((x * 8) & 255, (y * 8) & 255, 160);
  }
  return pngFile(size, size, 2, new Uint8Array(rows));
}

if (!existsSync(CHROMIUM)) {
  describe("public web pages in Chromium", () => {
    it.skip(`skipped: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)`, () => {});
  });
  console.warn(`web-browser.test.ts: ${CHROMIUM} not found, the browser check is skipped (apt-get install -y chromium)`);
} else {
  describe("public web pages in Chromium", () => {
    let server: LocalServer;
    let alice: Person;
    let context: BrowserContext;
    let browser: Browser | undefined;
    const pages: { name: string; path: string; status: number }[] = [];

    beforeAll(async () => {
      server = await startServer({ INSTANCE_RULES: "Be kind.\nNo spam.", INSTANCE_CONTACT_EMAIL: "admin@example.test" });
      alice = await signUp(server, `alice_${Date.now().toString(36).slice(-6)}`);
      await alice.client.v1.accounts.updateCredentials({
        displayName: "Alice <Web>",
        note: "Testing the #webcheck pages.",
        fieldsAttributes: [{ name: "Site", value: "https://example.com/alice" }],
        avatar: new Blob([testPng(96)], { type: "image/png" }),
        header: new Blob([testPng(150)], { type: "image/png" }),
      });
      const media = await alice.client.v2.media.create({ file: new Blob([testPng()], { type: "image/png" }), description: "A gradient" });
      const root = await alice.client.v1.statuses.create({ status: "Hello from the web face #webcheck", mediaIds: [media.id] });
      await alice.client.v1.statuses.create({ status: "Which page first?", poll: { options: ["Landing", "Profile"], expiresIn: 3600 } });
      await alice.client.v1.statuses.create({ status: "A reply to myself", inReplyToId: root.id });
      await alice.client.v1.statuses.create({ status: "Followers only", visibility: "private" });
      await alice.client.v1.statuses.$select(root.id).pin();
      pages.push(
        { name: "landing", path: "/", status: 200 },
        { name: "about", path: "/about", status: 200 },
        { name: "privacy", path: "/privacy-policy", status: 200 },
        { name: "terms", path: "/terms", status: 200 },
        { name: "local", path: "/public/local", status: 200 },
        { name: "federated", path: "/public", status: 200 },
        { name: "tag", path: "/tags/webcheck", status: 200 },
        { name: "profile", path: `/@${alice.username}`, status: 200 },
        { name: "profile-media", path: `/@${alice.username}/media`, status: 200 },
        { name: "sign-up", path: "/auth/sign_up", status: 200 },
        { name: "status", path: `/@${alice.username}/${root.id}`, status: 200 },
        { name: "not-found", path: "/no/such/page", status: 404 },
      );
      browser = await launchChromium();
      context = browser.context;
    });

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    it("every page renders at desktop and phone widths without errors, broken images or broken links", async () => {
      const checkedLinks = new Map<string, number>();
      for (const p of pages) {
        for (const size of WIDTHS) {
          const page = await context.newPage();
          const problems: string[] = [];
          page.on("console", (msg) => {
            // The 404 page's own status is logged by Chromium as a failed resource load.
            if (msg.type() === "error" && !(p.status === 404 && msg.text().includes("404"))) problems.push(`console: ${msg.text()}`);
          });
          page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
          page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
          await page.setViewportSize({ width: size.width, height: size.height });
          const response = await page.goto(`${server.origin}${p.path}`, { waitUntil: "load" });
          expect(response?.status(), p.path).toBe(p.status);
          // Lazy images: load them all before looking.
          await page.evaluate(() => document.querySelectorAll("img").forEach((img) => (img.loading = "eager")));
          await page.waitForLoadState("networkidle");
          const images = await page.evaluate(() =>
            [...document.querySelectorAll("img")].map((img) => ({ src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0 })),
          );
          for (const img of images) if (!img.ok) problems.push(`broken image: ${img.src}`);
          // The uploaded avatar and header are served from /system/, not the stand-ins.
          if (p.name === "profile") expect(images.filter((img) => img.src.includes("/system/")).length, "uploaded images").toBeGreaterThanOrEqual(3);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          if (overflow > 0) problems.push(`page is ${overflow}px wider than the viewport`);
          const links = await page.evaluate(() => [...document.querySelectorAll("a[href]")].map((a) => (a as HTMLAnchorElement).href));
          for (const link of links) {
            const url = new URL(link);
            if (url.origin !== server.origin) continue;
            url.hash = "";
            if (!checkedLinks.has(url.href)) {
              const res = await fetch(url, { headers: { accept: "text/html" }, redirect: "manual" });
              checkedLinks.set(url.href, res.status);
            }
            const status = checkedLinks.get(url.href)!;
            if (status >= 400) problems.push(`broken link ${url.href}: ${status}`);
          }
          await page.screenshot({ path: join(SCREENSHOTS, `${p.name}-${size.width}.png`), fullPage: true });
          await page.close();
          expect(problems, `${p.path} at ${size.width}px`).toEqual([]);
        }
      }
      expect(checkedLinks.size).toBeGreaterThan(5);
    });

    it("the private post is on no page", async () => {
      const page = await context.newPage();
      for (const p of pages) {
        await page.goto(`${server.origin}${p.path}`);
        expect(await page.content(), p.path).not.toContain("Followers only");
      }
      await page.close();
    });
  });
}
