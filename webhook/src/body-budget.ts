// Bounds the review bytes held at once across every connection, so that stalled or huge bodies cannot take the webhook past its memory limit.

import { Transform, type Readable } from "node:stream";

/** What a body over the budget fails with; request-errors.ts turns it into ERR_BUSY. */
export const BODY_BUDGET_SPENT = "PODINIT_BODY_BUDGET_SPENT";

export interface BodyBudget {
  /** Bytes of bodies held now, by requests whose answers have not been sent. */
  held(): number;
  /**
   * The body as it arrives, counted against the budget until `answered` emits `close`: a review
   * holds its bytes (then its parsed copy) until its answer is out. A chunk that would take the
   * total past the budget fails the stream with an error whose code is BODY_BUDGET_SPENT.
   */
  meter(
    body: Readable,
    answered: { once(event: "close", listener: () => void): unknown },
  ): Readable;
}

/**
 * `--max-connections` × `--body-limit` is what stalled clients could otherwise hold (384 MiB with
 * the defaults), above the chart's memory limit; the budget caps that sum instead.
 */
export function bodyBudget(
  limitBytes: number,
  onHeld: (bytes: number) => void = () => undefined,
): BodyBudget {
  let held = 0;
  return {
    held: () => held,
    meter(body, answered) {
      let mine = 0;
      let open = true;
      answered.once("close", () => {
        open = false;
        held -= mine;
        mine = 0;
        onHeld(held);
      });
      const metered = new Transform({
        transform(chunk: Buffer, _encoding, next) {
          if (!open) return next(null, chunk);
          if (held + chunk.length > limitBytes) {
            const error = new Error(
              `reviews being received or answered hold ${held} bytes and this one would take them past the budget of ${limitBytes} bytes (--body-budget)`,
            );
            return next(Object.assign(error, { code: BODY_BUDGET_SPENT, statusCode: 503 }));
          }
          held += chunk.length;
          mine += chunk.length;
          onHeld(held);
          next(null, chunk);
        },
      });
      // Fastify reads the body from the stream returned; it must also see the sender's failures.
      body.once("error", error => metered.destroy(error));
      return body.pipe(metered);
    },
  };
}
