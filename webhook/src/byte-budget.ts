// Bytes held at once against a limit, by holders that each give back all of theirs at once: review bodies, registry answers.

/** One request's or answer's share of a budget. */
export interface ByteHold {
  /** Takes `bytes` more if they fit beside everything held now; false, taking nothing, if not. */
  take(bytes: number): boolean;
  /** Gives back all this hold took; later calls do nothing, and a released hold takes nothing. */
  release(): void;
  readonly released: boolean;
}

export interface ByteBudget {
  readonly limitBytes: number;
  /** Bytes held now, over every hold. */
  held(): number;
  hold(): ByteHold;
}

/** `onHeld` hears the total after every change (a gauge). */
export function byteBudget(
  limitBytes: number,
  onHeld: (bytes: number) => void = () => undefined,
): ByteBudget {
  let held = 0;
  return {
    limitBytes,
    held: () => held,
    hold() {
      let mine = 0;
      let released = false;
      return {
        take(bytes) {
          if (released || held + bytes > limitBytes) return false;
          held += bytes;
          mine += bytes;
          onHeld(held);
          return true;
        },
        release() {
          if (released) return;
          released = true;
          held -= mine;
          mine = 0;
          onHeld(held);
        },
        get released() {
          return released;
        },
      };
    },
  };
}
