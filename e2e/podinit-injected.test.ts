// podinit injected by hand and through the webhook, each scenario beside the same pod without it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { busyboxImage } from "../test/support/e2e/busybox-image.js";
import { debianImage } from "../test/support/e2e/debian-image.js";
import { countZombies } from "../test/support/e2e/container-processes.js";
import { stopLikeKubelet, type PodStop } from "../test/support/e2e/kubelet-stop.js";
import {
  containerLogs,
  containerProcesses,
  removeAllPods,
  runPod,
  waitForExit,
  type RunningPod,
} from "../test/support/e2e/pod-run.js";
import { podinitImage } from "../test/support/e2e/podinit-image.js";
import { pollUntil } from "../test/support/e2e/poll.js";
import { scratchAppImage } from "../test/support/e2e/scratch-app-image.js";
import { simplePod } from "../test/support/e2e/simple-pod.js";
import { handInjector, webhookInjector, type Injector } from "./injectors.js";
import { orphansHaveExited, orphansPod, ORPHANS } from "./scenario-pods.js";
import { STOP_SCENARIOS, type ScenarioImages, type StopScenario } from "./stop-scenarios.js";

let images: ScenarioImages = { busybox: "", scratchApp: "", debian: "" };
let podinit = "";

beforeAll(async () => {
  images = {
    busybox: await busyboxImage(),
    scratchApp: await scratchAppImage(),
    // Cached after the first run; the cold debootstrap is why this hook has a long timeout.
    debian: await debianImage(),
  };
  podinit = await podinitImage();
});

afterEach(removeAllPods);

// The plain pod behaves the same whichever injector is compared with it: stop it once.
const plainStops = new Map<string, Promise<PodStop>>();
function plainStop(scenario: StopScenario): Promise<PodStop> {
  let stop = plainStops.get(scenario.title);
  if (stop === undefined) {
    stop = runPod(scenario.pod(images), { waitForLog: { pattern: scenario.ready } }).then(pod =>
      stopLikeKubelet(pod),
    );
    plainStops.set(scenario.title, stop);
  }
  return stop;
}

const injectors: readonly ((image: string) => Injector)[] = [handInjector, webhookInjector];

describe.each(injectors.map(make => ({ make, name: make("").name })))(
  "podinit injected $name",
  ({ make }) => {
    let injector: Injector;
    beforeAll(() => {
      injector = make(podinit);
    });
    afterAll(() => injector.close());

    for (const scenario of STOP_SCENARIOS) {
      it(scenario.title, async () => {
        const plain = await plainStop(scenario);
        const injected = await injector.inject(scenario.pod(images), scenario.handFlags);
        const pod = await runPod(injected, { waitForLog: { pattern: scenario.ready } });
        scenario.check(plain, await stopLikeKubelet(pod));
      });
    }

    it("reaps the orphans that stay zombies without it", async () => {
      const ready = { waitForLog: { pattern: "spawned" } };
      const plain = await runPod(orphansPod("orphans", images.busybox), ready);
      const plainProcesses = await pollUntil(
        () => containerProcesses(plain),
        orphansHaveExited,
        10_000,
      );
      const injected = await injector.inject(orphansPod("orphans", images.busybox));
      const withPodinit = await runPod(injected, ready);
      const podinitProcesses = await pollUntil(
        () => containerProcesses(withPodinit),
        orphansHaveExited,
        10_000,
      );
      expect(countZombies(plainProcesses)).toBe(ORPHANS);
      expect(countZombies(podinitProcesses)).toBe(0);
      expect(podinitProcesses.find(p => p.pid === 1)?.command).toBe("podinit");
    });

    it.each([
      [0, "exit 0"],
      [3, "exit 3"],
      [138, "kill -USR1 $$; sleep 5"],
    ])("passes on exit code %i of `sh -c '%s'`", async (code, script) => {
      const pod = simplePod(`exit-${code}`, {
        image: images.busybox,
        command: ["sh", "-c", script],
      });
      expect(await waitForExit(await runPod(await injector.inject(pod)))).toBe(code);
    });

    it("runs what the pod would have run: same argv, environment, working directory and user", async () => {
      const report =
        'echo "argv: $0 $*"; echo "cwd: $(pwd)"; echo "user: $(id -u):$(id -g)"; env | sort';
      const pod = simplePod("same-process", {
        image: images.busybox,
        command: ["sh", "-c", report, "arg0", "one", "two words"],
        container: {
          workingDir: "/tmp",
          env: [{ name: "APP_SETTING", value: "kept" }],
          securityContext: { runAsUser: 1234, runAsGroup: 5678 },
        },
      });
      const plain = await runPod(pod);
      const withPodinit = await runPod(await injector.inject(pod));
      expect(await waitForExit(plain)).toBe(0);
      expect(await waitForExit(withPodinit)).toBe(0);
      // HOSTNAME is the pod's name, which differs between the two pods by construction.
      const lines = async (running: RunningPod) =>
        (await containerLogs(running)).lines
          .map(line => line.text)
          .filter(text => !text.startsWith("HOSTNAME="));
      expect(await lines(withPodinit)).toEqual(await lines(plain));
      expect(await lines(plain)).toContain("user: 1234:5678");
    });
  },
);
