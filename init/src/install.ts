// `podinit install DEST`: puts a copy of podinit where the app containers can run it.
import type { PodinitSys } from "./sys.js";

const EEXIST = 17;

/**
 * Copies podinit's own executable to `destination` atomically: a temporary file next to it, then
 * a rename, so a container never sees a half-written binary. Running it twice is harmless.
 * Returns the exit code.
 */
export function installSelf(
  sys: PodinitSys,
  destination: string,
  say: (line: string) => void,
): number {
  const temporary = `${destination}.podinit-${sys.getpid()}.tmp`;
  let errno = sys.copySelf(temporary);
  if (errno === EEXIST) {
    // Left behind by an install that was killed midway with the same pid (PID 1 in a fresh container).
    sys.remove(temporary);
    errno = sys.copySelf(temporary);
  }
  if (errno !== 0) return failure(sys, say, errno, `cannot write ${temporary}`);
  errno = sys.rename(temporary, destination);
  if (errno !== 0) {
    sys.remove(temporary);
    return failure(sys, say, errno, `cannot move the copy to ${destination}`);
  }
  say(`podinit: installed to ${destination}\n`);
  return 0;
}

function failure(
  sys: PodinitSys,
  say: (line: string) => void,
  errno: number,
  what: string,
): number {
  const { name, text } = sys.describeErrno(errno);
  const hint = name === "ENOENT" ? " (does the directory exist? mount the volume first)" : "";
  say(`podinit: install failed: ${what}: ${text} (${name})${hint}\n`);
  return 1;
}
