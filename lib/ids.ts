/**
 * Mastodon-style snowflake ids: milliseconds since the Unix epoch in the high bits and
 * 16 random bits below, as a decimal string. They sort by creation time, fit in a signed
 * 64-bit integer, and need no coordination between objects.
 */
export function snowflake(at: number = Date.now()): string {
  const random = crypto.getRandomValues(new Uint16Array(1))[0];
  return ((BigInt(at) << 16n) | BigInt(random)).toString();
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
