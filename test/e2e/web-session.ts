import { expect } from "vitest";
import type { LocalServer } from "./server";
import type { Person } from "./federation-helpers";

/** A browser signed in through the web form, for the settings pages (federation-helpers' `signUp` password). */
export const PASSWORD = "correct horse battery";

/** Signs in through the web form and keeps the session cookie (redirects left alone). */
export class WebSession {
  readonly cookies = new Map<string, string>();
  constructor(private readonly server: LocalServer) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(`${this.server.origin}${path}`, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(";")[0];
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }

  /** Posts the form of `pagePath` that goes to `action`, with its hidden fields and `fields`. */
  async submit(pagePath: string, action: string, fields: Record<string, string>): Promise<Response> {
    const html = await (await this.fetch(pagePath)).text();
    const start = html.indexOf(`action="${action}"`);
    if (start < 0) throw new Error(`no form posting to ${action} on ${pagePath}:\n${html.slice(0, 1500)}`);
    const form = html.slice(start, html.indexOf("</form>", start));
    const hidden = Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
    return this.fetch(action, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...hidden, ...fields }).toString(),
    });
  }

  static async signIn(server: LocalServer, person: Person): Promise<WebSession> {
    const session = new WebSession(server);
    const res = await session.submit("/auth/sign_in", "/auth/sign_in", { login: person.username, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(session.cookies.has("pronghorn_session")).toBe(true);
    return session;
  }
}

