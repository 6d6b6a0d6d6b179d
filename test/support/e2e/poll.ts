// Waits for a condition that the container reaches on its own time, e.g. orphans exiting and becoming zombies.

import { setTimeout as sleep } from "node:timers/promises";

/** The last value read, whether or not `done` accepted it before the timeout: the test asserts on it. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(intervalMs);
    value = await read();
  }
  return value;
}
