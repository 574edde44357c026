import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../worker/index";
import type { Role } from "../../schemas/records";

/**
 * Shared helpers of the Workers-runtime tests. They create state through the real objects
 * (the same RPC methods the Worker uses), never by writing storage behind their back.
 */
export const BASE = "https://pronghorn.test";
export const DOMAIN = "pronghorn.test";

export const ALL_SCOPES = ["read", "write", "follow", "push"];

/** A fetch against the Worker under test: `api("/api/v1/instance")`. */
export function api(path: string, init?: RequestInit): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, init);
}

/** Calls the Worker with some env vars replaced (REGISTRATION_MODE, SETUP_TOKEN...). */
export async function fetchWithEnv(overrides: Partial<Env>, path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${BASE}${path}`, init), { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export function bearer(token: string, headers: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...headers };
}

/** JSON request init: `jsonBody("PATCH", {display_name: "x"}, token)`. */
export function jsonBody(method: string, body: unknown, token?: string): RequestInit {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  return { method, headers, body: JSON.stringify(body) };
}

/** A username nobody else in the run has: `prefix` plus random digits, at most 30 characters. */
export function uniqueName(prefix = "user"): string {
  const suffix = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  return `${prefix.slice(0, 20)}_${suffix}`.slice(0, 30);
}

export const TEST_APP = { clientId: "unit-test-client-0000", name: "Unit tests", website: null };

/** The value of an RPC `Result`, or a thrown error saying what failed. */
export function must<T>(label: string, result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) throw new Error(`${label}: ${JSON.stringify(result)}`);
  return result.value;
}

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
  token: string;
}

/**
 * Registers a local account through the directory (as the API does) and issues it a token.
 * `name` is used as given: pass `uniqueName()` when a test runs more than once per storage.
 */
export async function registerUser(
  name: string,
  options: { scopes?: string[]; role?: Role; approved?: boolean; password?: string } = {},
): Promise<TestUser> {
  const password = options.password ?? "correct horse battery";
  const email = `${name.toLowerCase()}@example.com`;
  const directory = env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
  const created = await directory.register({
    username: name,
    email,
    password,
    role: options.role ?? "user",
    approved: options.approved ?? true,
  });
  const id = must(`registerUser(${name})`, created).id;
  const token = await issueToken(id, options.scopes ?? ALL_SCOPES);
  return { id, username: name, email, password, token };
}

/** Another token for an existing account, with the given scopes. */
export async function issueToken(accountId: string, scopes: string[]): Promise<string> {
  const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(accountId));
  return must(`issueToken(${accountId})`, await stub.issueToken(TEST_APP, scopes)).access_token;
}

export interface TestApp {
  clientId: string;
  clientSecret: string;
  /** A client_credentials token of the app. */
  token: string;
}

/** Creates an OAuth app through its object and a client_credentials token for it. */
export async function createAppToken(scopes: string[] = ALL_SCOPES, name = "Test app"): Promise<TestApp> {
  const clientId = `test${crypto.getRandomValues(new Uint32Array(4)).join("")}`.slice(0, 40);
  const stub = env.APP.get(env.APP.idFromName(clientId));
  const created = must("createAppToken", await stub.create({ clientId, name, website: null, redirectUris: ["urn:ietf:wg:oauth:2.0:oob"], scopes }));
  const issued = must("createAppToken", await stub.issueToken(created.clientSecret, scopes));
  return { clientId, clientSecret: created.clientSecret, token: issued.access_token };
}
