import { shardOf } from "../lib/federation/shard";

/** Where each kind of state lives: the one place that maps ids to objects. */
export const accountStub = (env: Env, accountId: string) => env.ACCOUNT.get(env.ACCOUNT.idFromName(accountId));
export const appStub = (env: Env, clientId: string) => env.APP.get(env.APP.idFromName(clientId));
export const directoryStub = (env: Env) => env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
export const rateLimitStub = (env: Env, key: string) => env.RATE_LIMIT.get(env.RATE_LIMIT.idFromName(key));

/** Status id → owning account, in 16 shards keyed by the id's low bits (random, so uniform). */
export const statusIndexStub = (env: Env, statusId: string) =>
  env.STATUS_INDEX.get(env.STATUS_INDEX.idFromName(`status-index:${BigInt(statusId) % 16n}`));
/** Featured collection id → owning account: the same index class, its own 16 shards. */
export const collectionIndexStub = (env: Env, collectionId: string) =>
  env.STATUS_INDEX.get(env.STATUS_INDEX.idFromName(`collection-index:${BigInt(collectionId) % 16n}`));
/** ActivityPub id of a remote status → its local id, in 16 shards keyed by a hash of the URI. */
export const statusUriIndexStub = (env: Env, uri: string) => env.STATUS_INDEX.get(env.STATUS_INDEX.idFromName(`status-uris:${shardOf(uri, 16)}`));
export const threadStub = (env: Env, conversationId: string) => env.THREAD.get(env.THREAD.idFromName(`thread:${conversationId}`));
export const publicTimelineStub = (env: Env) => env.TIMELINE.get(env.TIMELINE.idFromName("public"));
export const tagTimelineStub = (env: Env, tag: string) => env.TIMELINE.get(env.TIMELINE.idFromName(`tag:${tag.toLowerCase()}`));

/** Federation: one object per remote actor, per destination host; sharded indexes and inbox. */
export const remoteActorStub = (env: Env, uri: string) => env.REMOTE_ACTOR.get(env.REMOTE_ACTOR.idFromName(`actor:${uri}`));
export const remoteAccountIndexStub = (env: Env, id: string) =>
  env.REMOTE_ACCOUNT_INDEX.get(env.REMOTE_ACCOUNT_INDEX.idFromName(`remote-accounts:${BigInt(id) % 16n}`));
export const keyOwnerIndexStub = (env: Env, keyId: string) =>
  env.REMOTE_ACCOUNT_INDEX.get(env.REMOTE_ACCOUNT_INDEX.idFromName(`remote-keys:${shardOf(keyId, 16)}`));
export const handleIndexStub = (env: Env, acct: string) =>
  env.REMOTE_ACCOUNT_INDEX.get(env.REMOTE_ACCOUNT_INDEX.idFromName(`remote-handles:${shardOf(acct.toLowerCase(), 16)}`));
export const INBOX_SHARDS = 8;
export const inboxStub = (env: Env, activityId: string) => env.INBOX.get(env.INBOX.idFromName(`inbox:${shardOf(activityId, INBOX_SHARDS)}`));
export const deliveryStub = (env: Env, host: string) => env.DELIVERY.get(env.DELIVERY.idFromName(`host:${host.toLowerCase()}`));
export const instanceActorStub = (env: Env) => env.INSTANCE_ACTOR.get(env.INSTANCE_ACTOR.idFromName("instance-actor"));

/** Preview cards: one object per normalised link address, its cache. */
export const linkCardStub = (env: Env, url: string) => env.LINK_CARD.get(env.LINK_CARD.idFromName(`card:${url}`));
