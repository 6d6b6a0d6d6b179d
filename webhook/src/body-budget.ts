// Bounds the review bytes held at once across every connection, so that stalled or huge bodies cannot take the webhook past its memory limit.

import type { EventEmitter } from "node:events";
import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import { byteBudget, type ByteHold } from "./byte-budget.js";

/** What a body over the budget fails with; request-errors.ts turns it into ERR_BUSY. */
export const BODY_BUDGET_SPENT = "PODINIT_BODY_BUDGET_SPENT";

export interface BodyBudget {
  /** Bytes of bodies held or reserved now, by requests whose answers have not been sent. */
  held(): number;
  /**
   * The body to parse, counted against the budget until the first of `ends` emits `close`: a
   * review holds its bytes (then its parsed copy) until its answer is out or its connection is
   * gone (a pipelined answer still queued when the client leaves never closes itself).
   *
   * A body of a declared length up to a connection's share of the budget reserves that length at
   * once, when it fits, and is passed on as it is. Any other body is counted as it is read, and a
   * chunk that would take the total past the budget fails it with an error whose code is
   * BODY_BUDGET_SPENT.
   */
  meter(body: Readable, headers: IncomingHttpHeaders, ends: readonly EventEmitter[]): Readable;
}

/**
 * `--max-connections` × `--body-limit` is what stalled clients could otherwise hold (384 MiB with
 * the defaults), the whole of the chart's memory limit; the budget caps that sum instead.
 *
 * `connections` (--max-connections) sets a connection's share: reserving a declared length spares
 * a review the counting stream (a twentieth of the webhook's throughput for a review of a few KB).
 * Up to the share only: clients that send the headers of a body and stall then take the whole
 * budget no sooner than they take every connection, which they could do anyway. Without it,
 * every body is counted as it is read.
 */
export function bodyBudget(
  limitBytes: number,
  connections?: number,
  onHeld: (bytes: number) => void = () => undefined,
): BodyBudget {
  const share = connections === undefined ? 0 : Math.floor(limitBytes / connections);
  const budget = byteBudget(limitBytes, onHeld);
  const spent = (): Error =>
    Object.assign(
      new Error(
        `reviews being received or answered hold ${budget.held()} bytes and this one would take them past the budget of ${limitBytes} bytes (--body-budget)`,
      ),
      { code: BODY_BUDGET_SPENT, statusCode: 503 },
    );

  /** A hold given back at the first of `ends` to close. */
  const holdUntil = (ends: readonly EventEmitter[]): ByteHold => {
    const hold = budget.hold();
    const release = (): void => {
      hold.release();
      for (const end of ends) end.off("close", release);
    };
    for (const end of ends) end.once("close", release);
    return hold;
  };

  const counted = (body: Readable, hold: ByteHold): Readable => {
    let reading = false;
    let dropped = 0;
    const metered: Readable = new Readable({
      // The body is read only once the route's parser reads this stream. A request whose body
      // nothing parses (a GET, a 415) is never touched, so Node discards its body as it should
      // after the answer, and keeps the connection usable.
      read() {
        if (reading) {
          body.resume();
          return;
        }
        reading = true;
        body.on("data", (chunk: Buffer) => {
          // Refused: the rest is read and dropped, never held, so that the client gets its 503
          // on a connection that stays usable. Closing it with the body unread would reset it,
          // and a client still sending would never read the answer.
          if (metered.destroyed) {
            // No review is larger than the whole budget: a client still sending past that
            // (a chunked body has no length to refuse up front) is cut off.
            dropped += chunk.length;
            if (dropped > limitBytes) body.destroy();
            return;
          }
          // Once the answer is out, what is still read is counted no more, and refused no more.
          if (!hold.released && !hold.take(chunk.length)) {
            metered.destroy(spent());
            return;
          }
          if (!metered.push(chunk)) body.pause();
        });
        body.once("end", () => {
          if (!metered.destroyed) metered.push(null);
        });
        body.once("error", (error: Error) => metered.destroy(error));
      },
    });
    // Whoever reads the stream listens for its errors; until then, or after it has stopped, an
    // error (the client gone, the budget spent) must not be an uncaught exception.
    metered.on("error", () => undefined);
    return metered;
  };

  return {
    held: () => budget.held(),
    meter(body, headers, ends) {
      const declared = declaredLength(headers);
      if (declared === 0) return body;
      const hold = holdUntil(ends);
      if (declared !== undefined && declared <= share && hold.take(declared)) return body;
      return counted(body, hold);
    },
  };
}

/**
 * The body's length as the request declares it: 0 when it has none, undefined when it comes in
 * chunks. Node refuses a request with both headers, or with a malformed Content-Length.
 */
function declaredLength(headers: IncomingHttpHeaders): number | undefined {
  if (headers["transfer-encoding"] !== undefined) return undefined;
  const length = headers["content-length"];
  return length === undefined ? 0 : Number(length);
}
