/** Where each kind of state lives: the one place that maps ids to objects. */
export const accountStub = (env: Env, accountId: string) => env.ACCOUNT.get(env.ACCOUNT.idFromName(accountId));
export const appStub = (env: Env, clientId: string) => env.APP.get(env.APP.idFromName(clientId));
export const directoryStub = (env: Env) => env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
export const rateLimitStub = (env: Env, key: string) => env.RATE_LIMIT.get(env.RATE_LIMIT.idFromName(key));
