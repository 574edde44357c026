import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LocalServer } from "./server";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../../scripts/create-account.mjs", import.meta.url));

/** Runs `scripts/create-account.mjs` as `npm run create-account` would, with this Node. */
async function createAccount(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code ?? 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

describe("first account: npm run create-account against a running server", () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("creates an owner with a reserved name and a generated password, which can sign in", async () => {
    const result = await createAccount(["--username", "admin", "--email", "admin@example.com", "--role", "owner", "--url", server.origin, "--token", server.setupToken]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Created @admin");
    const password = result.stdout.match(/password: (\S+)/)?.[1];
    expect(password).toBeTruthy();

    const lookup = await fetch(`${server.origin}/api/v1/accounts/lookup?acct=admin`);
    expect(lookup.status).toBe(200);
    const account = (await lookup.json()) as any;
    expect(account.username).toBe("admin");
    expect(account.roles).toEqual([{ id: "3", name: "Owner", color: "" }]);

    // The web sign-in page accepts the printed credentials.
    const form = await fetch(`${server.origin}/auth/sign_in`);
    const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
    const csrf = (await form.text()).match(/name="authenticity_token" value="([^"]+)"/)?.[1] ?? "";
    const signIn = await fetch(`${server.origin}/auth/sign_in`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ authenticity_token: csrf, login: "admin@example.com", password: password! }),
    });
    expect([200, 302, 303]).toContain(signIn.status);
    expect(signIn.headers.get("set-cookie") ?? "").toMatch(/pronghorn_session=\d+\./);
  });

  it("refuses a wrong token and explains a taken username", async () => {
    const wrong = await createAccount(["--username", "someone", "--email", "someone@example.com", "--url", server.origin, "--token", "wrong"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/401/);
    const taken = await createAccount(["--username", "ADMIN", "--email", "other@example.com", "--password", "long enough pw", "--url", server.origin, "--token", server.setupToken]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/username: .*taken/);
  });

  it("the registration API returns a token that verify_credentials accepts", async () => {
    const app = (await (
      await fetch(`${server.origin}/api/v1/apps`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_name: "e2e sign-up", redirect_uris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read write" }),
      })
    ).json()) as any;
    const appToken = (await (
      await fetch(`${server.origin}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: "read write" }),
      })
    ).json()) as any;
    expect(appToken.access_token).toBeTruthy();

    const registered = await fetch(`${server.origin}/api/v1/accounts`, {
      method: "POST",
      headers: { authorization: `Bearer ${appToken.access_token}`, "content-type": "application/json" },
      body: JSON.stringify({ username: "newcomer", email: "newcomer@example.com", password: "newcomer password", agreement: true, locale: "en" }),
    });
    expect(registered.status).toBe(200);
    const token = (await registered.json()) as any;
    const me = await fetch(`${server.origin}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${token.access_token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as any).username).toBe("newcomer");
  });
});
