// The reviews the webhook bench sends: the JVM fixture pod grown by env vars, its log shipper's image on a loopback registry.

import { mkdirSync, readFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { loadPodFixture } from "../test/fixtures/load.js";
import { buildImage, pushImage } from "../test/support/registry/oci-images.js";
import { startRegistry, type RunningRegistry } from "../test/support/registry/registry-process.js";
import { decodeAnswer, reviewOf } from "../test/support/webhook/app.js";

/** The two review bodies the closed loop sends. */
export type ReviewSize = "Small" | "Large";

type BenchPod = { spec: { containers: { name: string; image: string; env: unknown[] }[] } };

/**
 * The log shipper of the bench pod sets no command, so every review needs its image's ENTRYPOINT.
 * A registry on loopback serves it: the first review looks it up, the others hit the cache, as in
 * a cluster. Left pointing at a public registry, each review would instead measure a failing DNS
 * query (or a 3 s lookup timeout) of the machine the bench runs on.
 */
const LOG_SHIPPER = { name: "fluent-bit", repository: "infra/fluent-bit", tag: "3.1.9" };

/** The registry that serves the log shipper's image, its storage under `work`. */
export async function startLogShipperRegistry(work: string): Promise<RunningRegistry> {
  const storage = join(work, "registry");
  mkdirSync(storage);
  const registry = await startRegistry(storage);
  const image = buildImage({ entrypoint: ["/fluent-bit/bin/fluent-bit"], cmd: ["--help"] });
  await pushImage(registry.host, LOG_SHIPPER.repository, image, LOG_SHIPPER.tag);
  return registry;
}

/** The bench pod: the three-container JVM fixture with as many env vars as a typical chart renders. */
function benchPod(envVars: number, valueLength: number, registry: string): BenchPod {
  const pod = loadPodFixture("multi-container-jvm") as BenchPod;
  const main = pod.spec.containers[0];
  const shipper = pod.spec.containers.find(c => c.name === LOG_SHIPPER.name);
  if (main === undefined || shipper === undefined) throw new Error("fixture lost its containers");
  shipper.image = `${registry}/${LOG_SHIPPER.repository}:${LOG_SHIPPER.tag}`;
  for (let i = 0; i < envVars; i++) {
    const value = `tenant-${i * 7919}-`.padEnd(valueLength, "x");
    main.env.push({ name: `APP_SETTING_${i}`, value });
  }
  return pod;
}

/** About 8 KB: 60 extra env vars. */
export function smallReview(registry: string): string {
  return JSON.stringify(reviewOf(benchPod(60, 48, registry)));
}

/** About 130 KB: 1,500 env vars on the main container (the size that once made Istio's injector crawl). */
export function largeReview(registry: string): string {
  return JSON.stringify(reviewOf(benchPod(1500, 48, registry)));
}

/** The bench measures the injection it claims to: both commands wrapped, no warning. */
export async function checkAnswer(url: string, bodyFile: string): Promise<void> {
  const body = readFileSync(bodyFile);
  const text = await new Promise<string>((resolve, reject) => {
    const request = https.request(
      url,
      {
        method: "POST",
        rejectUnauthorized: false,
        headers: { "content-type": "application/json", "content-length": body.length },
      },
      response => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
  const { answer, patch } = decodeAnswer(text);
  const status = patch?.find(
    op => (op as { path?: string }).path === "/metadata/annotations/podinit.dev~1status",
  ) as { value?: string } | undefined;
  const wrapped = (JSON.parse(status?.value ?? "{}") as { wrapped?: string[] }).wrapped ?? [];
  if (answer.response.warnings !== undefined || !wrapped.includes(LOG_SHIPPER.name)) {
    throw new Error(`the bench review is not injected as intended: ${text.slice(0, 600)}`);
  }
}
