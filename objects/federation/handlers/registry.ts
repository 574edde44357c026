import { remoteActorStub } from "../../../core/stubs";
import { type Arrival, type AuthorHere, arrivalOf, isUsableActorUri } from "../remote-actors";

/**
 * Inbound activities are dispatched to exactly one handler per activity type (Mastodon's
 * app/lib/activitypub/activity/*.rb, Fedify's inbox listeners). Handlers live in
 * `objects/federation/handlers/<type>.ts`, register themselves with `inboxHandlers.register`,
 * open with guard clauses, must be idempotent and enqueue side effects rather than deliver
 * inline. Idempotency by activity id is the InboxObject's job (a replay never reaches here);
 * the Delete-before-Create memory is this module's.
 */
export interface InboxActivity extends Record<string, unknown> {
  id: string;
  type: string;
  actor: string;
}

export interface InboxContext {
  env: Env;
  /** Our origin (e.g. https://example.com) as the activity was received. */
  origin: string;
  activity: InboxActivity;
  /** The verified signer; equal to `activity.actor`. */
  actor: string;
  /** Local username when it came to a personal inbox; null for the shared inbox. */
  recipient: string | null;
  receivedAt: number;
  /** For a Create or Update: what the actor's object knew when dispatch began (senderOf uses it). */
  arrival?: Arrival;
  /** Set when the handler runs inside the actor's own RemoteActorObject: its calls to itself are local. */
  here?: AuthorHere;
}

/** What crosses to the actor's object when a Create is handled there (InboxContext without env). */
export type PortableContext = Omit<InboxContext, "env" | "arrival" | "here">;

export type InboxHandler = (ctx: InboxContext) => Promise<void>;

export class InboxHandlerRegistry {
  private readonly handlers = new Map<string, InboxHandler>();

  register(type: string, handler: InboxHandler): this {
    if (this.handlers.has(type)) throw new Error(`duplicate inbox handler for ${type}`);
    this.handlers.set(type, handler);
    return this;
  }

  get(type: string): InboxHandler | undefined {
    return this.handlers.get(type);
  }

  types(): string[] {
    return [...this.handlers.keys()];
  }
}

/** The registry the InboxObject dispatches with. Phase 1 registers no business handlers. */
export const inboxHandlers = new InboxHandlerRegistry();

export type DispatchOutcome =
  | "handled"
  /** No handler for the type: acknowledged and dropped, as Mastodon does. */
  | "unhandled"
  /** The object was deleted (by its actor) before this Create/Update arrived. */
  | "deleted-earlier";

/** The id of an activity's `object` (a string or an embedded object with an id). */
export function objectIdOf(activity: Record<string, unknown>): string | null {
  const o = activity.object;
  if (typeof o === "string") return o;
  if (typeof o === "object" && o !== null && typeof (o as Record<string, unknown>).id === "string") return (o as { id: string }).id;
  return null;
}

function sameHost(a: string, b: string): boolean {
  try {
    return new URL(a).host === new URL(b).host;
  } catch {
    return false;
  }
}

/** Types whose object is (re)created by its actor: refused when the actor deleted it first. */
const CREATING_TYPES = new Set(["Create", "Update"]);

/**
 * Runs the handler for the activity's type. A Delete's object is remembered (6 h, in the
 * actor's RemoteActorObject) before its handler runs, so that a Create or Update of that object
 * arriving later is dropped. Only an actor's own objects (same host) are remembered.
 * Errors propagate: the InboxObject retries.
 */
export async function dispatchActivity(ctx: InboxContext, registry: InboxHandlerRegistry = inboxHandlers): Promise<DispatchOutcome> {
  const { activity, env } = ctx;
  if (activity.type === "Create" && registry === inboxHandlers && !ctx.here && isUsableActorUri(ctx.actor)) {
    // A Create is handled in its author's object: the guards, the lookup and the store are then
    // local calls there instead of three or four calls from here.
    const portable: PortableContext = { origin: ctx.origin, activity, actor: ctx.actor, recipient: ctx.recipient, receivedAt: ctx.receivedAt };
    return (await remoteActorStub(env, ctx.actor).dispatchHere(JSON.stringify(portable))) as DispatchOutcome;
  }
  const objectId = objectIdOf(activity);
  if (activity.type === "Delete" && objectId && sameHost(objectId, ctx.actor)) {
    await remoteActorStub(env, ctx.actor).rememberDeletion(objectId);
  }
  if (CREATING_TYPES.has(activity.type)) {
    ctx.arrival = ctx.here ? await ctx.here.object.arrivalHere(ctx.actor, { origin: ctx.origin }, objectId) : await arrivalOf(env, ctx.actor, ctx.origin, objectId);
    if (ctx.arrival.objectDeleted) return "deleted-earlier";
  }
  const handler = registry.get(activity.type);
  if (!handler) return "unhandled";
  await handler(ctx);
  return "handled";
}
