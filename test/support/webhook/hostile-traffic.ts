// What one hostile tenant can send the webhook at once, on loopback: a registry answering with oversized challenges, configs and indexes, pods built to be expensive, and clients that stall.

import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Agent } from "node:https";
import type { AddressInfo } from "node:net";
import { connect } from "node:tls";
import { join } from "node:path";
import { reviewOf } from "./app.js";
import { call } from "./https-call.js";
import { chartMemory } from "./process-memory.js";
import { startWebhook, type WebhookProcess } from "./webhook-process.js";

/** Scale of one run; the figures are the bench's, the test's are smaller and as telling. */
export interface HostileScale {
  /** Registries, each on a loopback address of its own, answering 401 with a 12 KB realm. */
  readonly challengingRegistries: number;
  /** Images whose config holds an Entrypoint of 7.9 MB, each with its own digest. */
  readonly hugeConfigs: number;
  /** Times each kind of hostile pod is sent. */
  readonly rounds: number;
  /** Clients that send all but the end of a 3 MiB review, then stall. */
  readonly stalledClients: number;
  /** Pods of 25 containers whose images are strings of 100 KB, each one different. */
  readonly longImagePods: number;
}

export const BENCH_SCALE: HostileScale = {
  challengingRegistries: 3000,
  hugeConfigs: 40,
  rounds: 3,
  stalledClients: 100,
  longImagePods: 40,
};

const REALM_CHARS = 12 * 1024;
const HUGE_ENTRYPOINT_CHARS = 7_900_000;
const HUGE_INDEX_ENTRIES = 1000;
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** Containers per pod that names many registries: one review, many lookups at once. */
const CONTAINERS_PER_POD = 100;

/** The i-th registry's host: one address each in 127.1.0.0/16, so each is a registry of its own. */
function registryAddress(i: number): string {
  return `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The i-th huge config: made again for each request rather than kept, as 40 of them are 316 MB. */
function hugeConfig(i: number): Buffer {
  const entrypoint = "a".repeat(HUGE_ENTRYPOINT_CHARS);
  return Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Entrypoint: [entrypoint, String(i)] },
      rootfs: { type: "layers", diff_ids: [] },
    }),
  );
}

function manifestOf(config: { digest: string; size: number }): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [],
    }),
  );
}

function hugeIndex(): Buffer {
  const manifests = Array.from({ length: HUGE_INDEX_ENTRIES }, (_, i) => ({
    mediaType: OCI_MANIFEST,
    digest: `sha256:${i.toString(16).padStart(64, "0")}`,
    size: 500,
    platform: { os: "linux", architecture: `arch${i}` },
  }));
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
}

export interface HostileRegistry {
  /** Every registry's host:port, for --registry-insecure (they speak plain HTTP). */
  readonly insecureHosts: readonly string[];
  readonly challengingImages: readonly string[];
  readonly hugeConfigImages: readonly string[];
  readonly hugeIndexImage: string;
  /** Requests it answered, by what it answered. */
  readonly answered: Record<"challenge" | "manifest" | "config" | "index" | "other", number>;
  close(): Promise<void>;
}

export async function startHostileRegistry(scale: HostileScale): Promise<HostileRegistry> {
  const realm = "r".repeat(REALM_CHARS);
  const configs = Array.from({ length: scale.hugeConfigs }, (_, i) => {
    const bytes = hugeConfig(i);
    return { digest: digestOf(bytes), size: bytes.length };
  });
  const index = hugeIndex();
  const answered = { challenge: 0, manifest: 0, config: 0, index: 0, other: 0 };
  const send = (response: ServerResponse, type: string, body: Buffer): void => {
    response.writeHead(200, { "content-type": type, "content-length": body.length });
    response.end(body);
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? "";
    const manifest = /^\/v2\/huge-config\/([0-9]+)\/manifests\//.exec(path);
    const blob = /^\/v2\/huge-config\/([0-9]+)\/blobs\//.exec(path);
    if (path.startsWith("/v2/challenge/")) {
      answered.challenge++;
      response.writeHead(401, { "www-authenticate": `Basic realm="${realm}"` });
      response.end();
    } else if (manifest !== null) {
      answered.manifest++;
      const config = configs[Number(manifest[1])];
      if (config === undefined) response.writeHead(404).end();
      else send(response, OCI_MANIFEST, manifestOf(config));
    } else if (blob !== null) {
      answered.config++;
      send(response, "application/octet-stream", hugeConfig(Number(blob[1])));
    } else if (path.startsWith("/v2/huge-index/manifests/")) {
      answered.index++;
      send(response, OCI_INDEX, index);
    } else {
      answered.other++;
      response.writeHead(404).end();
    }
  });
  server.listen(0, "0.0.0.0");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const addresses = Array.from({ length: scale.challengingRegistries }, (_, i) =>
    registryAddress(i),
  );
  const home = `127.0.0.1:${port}`;
  return {
    insecureHosts: [...addresses.map(a => `${a}:${port}`), home],
    challengingImages: addresses.map((a, i) => `${a}:${port}/challenge/${i}:1`),
    hugeConfigImages: configs.map((_, i) => `${home}/huge-config/${i}:1`),
    hugeIndexImage: `${home}/huge-index:1`,
    answered,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function pod(name: string, containers: unknown[], annotations: Record<string, string> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "apps", annotations },
    spec: { containers },
  };
}

/** Containers with no command: the webhook must look each image up to wrap it. */
function lookedUp(images: readonly string[]): unknown[] {
  return images.map((image, i) => ({ name: `c${i}`, image }));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Review bodies of both hostile kinds: pods whose images lead to the hostile registry, and pods built to be expensive themselves. */
export interface HostileReviews {
  /** Pods naming every challenging registry, the huge configs and the huge index. */
  readonly registryLed: readonly string[];
  /**
   * A pod of 5,000 containers whose exclude-containers lists 250,000 names, a pod of about
   * 2.8 MB of annotations, a review from a user whose extra has a `__proto__` key, and pods
   * whose images are long strings, no two alike.
   */
  readonly podLed: readonly string[];
}

const review = (object: unknown): string => JSON.stringify(reviewOf(object));

export function hostileReviews(registry: HostileRegistry, scale: HostileScale): HostileReviews {
  const registryLed = [
    ...chunks(registry.challengingImages, CONTAINERS_PER_POD).map((images, i) =>
      pod(`registries-${i}`, lookedUp(images)),
    ),
    ...chunks(registry.hugeConfigImages, 10).map((images, i) =>
      pod(`huge-configs-${i}`, lookedUp(images)),
    ),
    pod("huge-index", lookedUp([registry.hugeIndexImage])),
  ].map(review);
  const sleeper = { image: "busybox:1.36", command: ["sh", "-c", "sleep 1000"] };
  // A key the parser must keep as data: JSON.parse makes it an own property, stringify keeps it.
  const extra = JSON.parse('{"__proto__": ["polluted"], "constructor": ["x"]}') as unknown;
  const podLed = [
    review(
      pod(
        "many-names",
        Array.from({ length: 5000 }, (_, i) => ({ name: `c${i}`, ...sleeper })),
        {
          "podinit.dev/exclude-containers": Array.from({ length: 250_000 }, (_, i) => `n${i}`).join(
            ",",
          ),
        },
      ),
    ),
    review(
      pod(
        "many-annotations",
        [{ name: "app", ...sleeper }],
        Object.fromEntries(
          Array.from({ length: 690 }, (_, i) => [`example.com/note-${i}`, "x".repeat(4000)]),
        ),
      ),
    ),
    JSON.stringify(
      reviewOf(pod("proto-user", [{ name: "app", ...sleeper }]), {
        userInfo: { username: "tenant", extra },
      }),
    ),
  ];
  const longImages = Array.from({ length: scale.longImagePods }, (_, p) =>
    review(
      pod(
        `long-images-${p}`,
        lookedUp(
          Array.from(
            { length: 25 },
            (_, c) => `registry.test/app:${p}-${c}-${"x".repeat(100_000)}`,
          ),
        ),
      ),
    ),
  );
  return { registryLed, podLed: [...podLed, ...longImages] };
}

/**
 * Clients that each send the head of a 3 MiB review and all of its body but the end, then stall
 * until `release` is called. Resolves once every one has sent what it will.
 */
export async function stallClients(
  port: number,
  ca: Buffer,
  count: number,
): Promise<{ release(): void }> {
  const size = 3 * 1024 * 1024;
  const head = `POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`;
  const body = Buffer.alloc(size - 1024, " ");
  const sockets = await Promise.all(
    Array.from({ length: count }, async () => {
      const socket = connect({ host: "127.0.0.1", port, ca });
      socket.on("error", () => undefined);
      socket.on("data", () => undefined);
      await once(socket, "secureConnect");
      socket.write(head);
      // Handed to the kernel before the caller goes on, so the webhook has the bodies to read
      // by the time the reviews come. A client refused on the spot (the budget) ends here too.
      await new Promise<void>(resolve => {
        socket.write(body, () => resolve());
        socket.once("close", () => resolve());
      });
      return socket;
    }),
  );
  return { release: () => sockets.forEach(socket => socket.destroy()) };
}

/**
 * Sends every body `rounds` times, `lanes` at once; the statuses it got, counted. A review that
 * got no answer at all (a reset, a hang-up) counts as status 0, and the others go on.
 */
export async function sendReviews(
  port: number,
  ca: Buffer,
  bodies: readonly string[],
  rounds: number,
  lanes = 8,
): Promise<Map<number, number>> {
  const queue = Array.from({ length: rounds }, () => bodies).flat();
  const statuses = new Map<number, number>();
  const agent = new Agent({ ca, keepAlive: true, maxSockets: lanes });
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let body = queue.shift(); body !== undefined; body = queue.shift()) {
        const status = await call(port, agent, "POST", "/mutate", body).then(
          reply => reply.status,
          (error: unknown) => {
            process.stderr.write(`hostile traffic: a review got no answer: ${String(error)}\n`);
            return 0;
          },
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  agent.destroy();
  return statuses;
}

/**
 * The webhook as the chart runs it (the bundle, V8's heap bounded as NODE_OPTIONS bounds it),
 * on 127.0.0.1 with the key pair `tls.crt`/`tls.key` of `pkiDir`, the hostile registries trusted
 * over plain HTTP. A live heap past the bound ends the process (V8's fatal out-of-memory error).
 */
export function startChartedWebhook(pkiDir: string, registry: HostileRegistry): WebhookProcess {
  return startWebhook(
    [
      ...["--port", "0", "--host", "127.0.0.1", "--shutdown-delay", "0s"],
      ...["--tls-cert", join(pkiDir, "tls.crt"), "--tls-key", join(pkiDir, "tls.key")],
    ],
    {
      PODINIT_INIT_IMAGE: "podinit/podinit:0.1.0",
      PODINIT_REGISTRY_INSECURE: registry.insecureHosts.join(","),
      NODE_OPTIONS: `--max-old-space-size=${chartMemory().heapLimitMi}`,
    },
    { built: true },
  );
}
