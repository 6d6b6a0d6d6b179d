// `podinit idle`: does nothing until asked to stop. The chart's node probe runs it from an image volume, as proof that the node can.
import { isStopRequest, SIGCHLD } from "#options/signals.js";
import type { PodinitSys } from "./sys.js";

/** Long: an idle probe should cost its node nothing, so it wakes only for a signal. */
const WAKE_MS = 3_600_000;

/**
 * Blocks every signal and waits. A stop request (TERM, INT, QUIT) ends it with 0: the probe's pod
 * is deleted on a rollout, and that is no failure. As PID 1 it reaps whatever is left to it, so
 * even a probe with a leaking exec check holds no zombies. Every other signal is ignored.
 */
export function idle(sys: PodinitSys): number {
  const errno = sys.blockSignals();
  if (errno !== 0) {
    sys.writeStderr(`podinit: idle: cannot block signals (${sys.describeErrno(errno).name})\n`);
    return 1;
  }
  for (;;) {
    const signal = sys.waitSignal(WAKE_MS);
    if (signal === SIGCHLD) sys.reap(0);
    else if (isStopRequest(signal)) return 0;
  }
}
