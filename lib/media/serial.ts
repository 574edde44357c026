// Image work runs one job at a time per isolate: every job holds tens of MB of pixels at its
// peak, and two at once would not fit in a Worker's 128 MB. Later callers wait their turn.

let tail: Promise<unknown> = Promise.resolve();

export function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const run = tail.then(work, work);
  tail = run.catch(() => undefined);
  return run;
}
