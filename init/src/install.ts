// `podinit install DEST`: puts a copy of podinit where the app containers can run it.
import type { Platform } from "./sys.js";

const EEXIST = 17;

/**
 * Copies podinit's own executable to `destination` atomically: a temporary file next to it, then
 * a rename, so a container never sees a half-written binary. Running it twice is harmless.
 * Returns the exit code.
 */
export function installSelf(
  platform: Platform,
  destination: string,
  say: (line: string) => void,
): number {
  const temporary = `${destination}.podinit-${platform.getpid()}.tmp`;
  let errno = platform.copySelf(temporary);
  if (errno === EEXIST) {
    // Left behind by an install that was killed midway with the same pid (PID 1 in a fresh container).
    platform.remove(temporary);
    errno = platform.copySelf(temporary);
  }
  if (errno !== 0) return failure(platform, say, errno, `cannot write ${temporary}`);
  errno = platform.rename(temporary, destination);
  if (errno !== 0) {
    platform.remove(temporary);
    return failure(platform, say, errno, `cannot move the copy to ${destination}`);
  }
  say(`podinit: installed to ${destination}\n`);
  return 0;
}

function failure(
  platform: Platform,
  say: (line: string) => void,
  errno: number,
  what: string,
): number {
  const { name, text } = platform.describeErrno(errno);
  const hint = name === "ENOENT" ? " (does the directory exist? mount the volume first)" : "";
  say(`podinit: install failed: ${what}: ${text} (${name})${hint}\n`);
  return 1;
}
