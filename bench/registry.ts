// Registry lookup targets: cached lookup cost per review, cold lookup on loopback, 1,000 concurrent lookups → one manifest fetch.
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import type { Pod } from "../webhook/src/mutation/pod-types.js";
import {
  createEntrypointResolver,
  type RegistryEntrypointResolver,
} from "../webhook/src/registry/entrypoint-resolver.js";
import { parseRegistrySettings } from "../webhook/src/registry/registry-settings.js";
import { startCountingProxy } from "../test/support/registry/counting-proxy.js";
import { startTestRegistries } from "../test/support/registry/test-registries.js";
import { printSection, type BenchSection, type Check } from "./report.js";
import { median } from "./median.js";

async function newResolver(): Promise<RegistryEntrypointResolver> {
  const settings = parseRegistrySettings({
    "registry-insecure": "127.0.0.1",
    "pull-secrets": "false",
  });
  if (!settings.ok) throw new Error(settings.errors.join("; "));
  const created = await createEntrypointResolver(settings.settings);
  if (!created.ok) throw new Error(created.message);
  return created.resolver;
}

function podOf(image: string): Pod {
  return {
    metadata: { name: "bench", namespace: "apps" },
    spec: { containers: [{ name: "app", image }] },
  };
}

export async function benchRegistry(quick: boolean): Promise<BenchSection> {
  const registries = await startTestRegistries();
  const proxy = await startCountingProxy(registries.open.host);
  try {
    const image = `${registries.open.host}/apps/entry-and-cmd:1`;
    const cold: number[] = [];
    for (let i = 0; i < (quick ? 10 : 40); i++) {
      const resolver = await newResolver();
      const start = performance.now();
      const result = await resolver.resolve(podOf(image), "apps");
      cold.push(performance.now() - start);
      if (!result.resolved.has("app")) throw new Error("cold lookup failed");
    }
    const warm = await newResolver();
    const pod = podOf(image);
    await warm.resolve(pod, "apps");
    const rounds = quick ? 5_000 : 50_000;
    for (let i = 0; i < 1_000; i++) await warm.resolve(pod, "apps");
    const start = performance.now();
    for (let i = 0; i < rounds; i++) await warm.resolve(pod, "apps");
    const cachedMs = (performance.now() - start) / rounds;

    const shared = await newResolver();
    const viaProxy = podOf(`${proxy.host}/apps/multi:1`);
    await Promise.all(Array.from({ length: 1_000 }, async () => shared.resolve(viaProxy, "apps")));
    const heads = proxy.count("HEAD", "/manifests/1");
    const indexGets = proxy.count("GET", `/manifests/${registries.multiIndexDigest}`);

    const checks: Check[] = [
      {
        name: "registry: cached lookup per review",
        target: "≤ 0.1 ms",
        measured: `${cachedMs.toFixed(4)} ms`,
        pass: cachedMs <= 0.1,
      },
      {
        name: "registry: cold lookup, loopback registry (median)",
        target: "≤ 30 ms",
        measured: `${median(cold).toFixed(2)} ms`,
        pass: median(cold) <= 30,
      },
      {
        name: "registry: 1,000 concurrent reviews of one uncached image",
        target: "1 manifest fetch",
        measured: `${heads} HEAD, ${indexGets} index GET`,
        pass: heads === 1 && indexGets === 1,
      },
    ];
    const markdown = [
      "Debian's docker-registry on 127.0.0.1, plain HTTP; `resolvePod` of a one-container pod without `command`.",
      "",
      "| measurement | value |",
      "| --- | --- |",
      `| cold lookup (new resolver each time: HEAD, manifest, config), median of ${cold.length} | ${median(cold).toFixed(2)} ms |`,
      `| cold lookup, slowest | ${Math.max(...cold).toFixed(2)} ms |`,
      `| cached lookup, mean of ${rounds} | ${(cachedMs * 1000).toFixed(1)} µs |`,
      `| requests at the registry for 1,000 concurrent reviews of a two-platform index | ${proxy.seen.length} (${heads} HEAD by tag, ${indexGets} GET of the index) |`,
    ].join("\n");
    return { title: "Registry lookup", markdown, checks };
  } finally {
    await proxy.stop();
    await registries.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  printSection(await benchRegistry(process.argv.includes("--quick")));
}
