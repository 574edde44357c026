/**
 * Every public function of `lib/push` returns its failures as values: a push subscription comes
 * from a client and a push request goes to a third party, so bad keys, a bad endpoint or a payload
 * that is too big are expected outcomes, not exceptions. `code` is for programs (the API maps it
 * to a status), `error` is a sentence for people.
 */
export type PushErrorCode =
  | "invalid_p256dh"
  | "invalid_auth"
  | "invalid_vapid_key"
  | "invalid_subject"
  | "invalid_endpoint"
  | "invalid_ttl"
  | "invalid_urgency"
  | "invalid_topic"
  | "invalid_encoding"
  | "payload_too_large"
  | "crypto_failed";

export type PushFailure = { ok: false; code: PushErrorCode; error: string };
export type PushResult<T> = { ok: true; value: T } | PushFailure;

export const succeed = <T>(value: T): PushResult<T> => ({ ok: true, value });
export const failWith = (code: PushErrorCode, error: string): PushFailure => ({ ok: false, code, error });

/** Runs a WebCrypto step whose failure means bad input we could not see beforehand. */
export async function attempt<T>(code: PushErrorCode, error: string, step: () => Promise<T>): Promise<PushResult<T>> {
  try {
    return succeed(await step());
  } catch (cause) {
    const detail = cause instanceof Error && cause.message ? ` (${cause.message})` : "";
    return failWith(code, error + detail);
  }
}
