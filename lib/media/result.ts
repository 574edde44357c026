/** Every public function of lib/media returns its failure as a value with a human message. */
export type MediaResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function ok<T>(value: T): MediaResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: string): MediaResult<T> {
  return { ok: false, error };
}

/** Runs `work`, turning anything it throws (a codec abort, a RangeError on a truncated file) into a failure. */
export async function guarded<T>(what: string, work: () => Promise<MediaResult<T>>): Promise<MediaResult<T>> {
  try {
    return await work();
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return fail(`${what}: ${reason || "unreadable data"}`);
  }
}
