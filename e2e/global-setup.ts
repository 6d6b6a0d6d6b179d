// Before the e2e suite: fail at once with one clear line when the host cannot run it, and clear pods a crashed run left.
import { requireHost } from "../test/support/e2e/podman.js";
import { removeAllPods } from "../test/support/e2e/pod-run.js";

export async function setup(): Promise<void> {
  await requireHost();
  await removeAllPods();
}

export async function teardown(): Promise<void> {
  await removeAllPods();
}
