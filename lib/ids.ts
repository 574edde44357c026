/**
 * Mastodon-style snowflake ids: milliseconds since the Unix epoch in the high bits and
 * 16 random bits below, as a decimal string. They sort by creation time, fit in a signed
 * 64-bit integer, and need no coordination between objects.
 *
 * Ids for "now" also strictly increase within an isolate (so within one object): the Workers
 * clock stands still during synchronous work, and random low bits alone would order the ids
 * minted in one millisecond (a filter's keywords, a batch of notifications) at random.
 */
let lastNow = 0n;

export function snowflake(at?: number): string {
  const random = BigInt(crypto.getRandomValues(new Uint16Array(1))[0]);
  if (at !== undefined) return ((BigInt(at) << 16n) | random).toString();
  let id = (BigInt(Date.now()) << 16n) | random;
  if (id <= lastNow) id = lastNow + 1n;
  lastNow = id;
  return id.toString();
}

/** Lowest id that can be generated at `at`: for "since this time" queries. */
export function snowflakeFloor(at: number): string {
  return (BigInt(at) << 16n).toString();
}

export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 16n);
}

/** Compares two digit-string ids numerically (they differ in length across eras). */
export function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
