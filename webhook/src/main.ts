// Process entry: load config, serve HTTPS, reload certificates, drain on SIGTERM. Only place that exits.

import { once } from "node:events";
import type { Server as HttpsServer } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { pino, type Logger } from "pino";
import { createLogger } from "./logger.js";
import { buildApp } from "./app.js";
import { formatDuration } from "#options/duration.js";
import { configHelp, describeConfig, loadConfig, type Config } from "./config.js";
import { applyConnectionLimits, connectionsCheckingIntervalMs } from "./connection-limits.js";
import { drainable, type Drain } from "./drain.js";
import { createWebhookMetrics, type WebhookMetrics } from "./metrics.js";
import {
  createEntrypointResolver,
  type RegistryEntrypointResolver,
  type LookupEvent,
} from "./registry/entrypoint-resolver.js";
import { limitRangeSource, modeSource, OUTSIDE_CLUSTER } from "./cluster-sources.js";
import { ExpiringLru } from "./bounded-caches.js";
import { pullSecretAccess } from "./registry/pull-secret-access.js";
import type { Lifecycle } from "./routes/health.js";
import { isKeyPair, readKeyPair, watchKeyPair } from "./tls.js";
import { VERSION } from "./version.js";

const LOG_BATCH_BYTES = 4096;
const LOG_FLUSH_MS = 250;

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(configHelp());
    return 0;
  }
  const loaded = loadConfig(argv, process.env, VERSION);
  if (!loaded.ok) {
    for (const error of loaded.errors)
      process.stderr.write(`podinit-webhook: ${error.code}: ${error.message}\n`);
    return 2;
  }
  const config = loaded.config;
  // Batched, and written from the event loop: lines wait for 4 KB or at most 250 ms and are
  // flushed before exit, so a write(2) serves about a dozen reviews. Handing the writes to libuv's
  // thread pool instead woke a second thread per batch that, on the one core a webhook gets,
  // preempted the request thread (twice its involuntary context switches) and cost more CPU
  // than the write. The price: should the container runtime stop reading stdout, the loop blocks
  // once the pipe is full, and the API server's timeout and failurePolicy (Ignore) take over.
  const destination = pino.destination({
    dest: 1,
    sync: true,
    minLength: LOG_BATCH_BYTES,
    periodicFlush: LOG_FLUSH_MS,
  });
  const logger = createLogger(config.logLevel, destination);
  for (const notice of loaded.notices) logger.warn({ notice }, "configuration notice");
  const files = { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile };
  const pair = readKeyPair(files);
  if (!isKeyPair(pair)) {
    process.stderr.write(`podinit-webhook: ${pair.code}: ${pair.message}\n`);
    return 2;
  }

  const lifecycle: Lifecycle = { ready: false };
  const metrics = createWebhookMetrics(VERSION);
  const access = pullSecretAccess(config.registry.pullSecrets, process.env);
  const registryLogger = logger.child({ component: "registry" });
  const recentlyLogged = new ExpiringLru<string, true>(LOGGED_FAILURES_KEPT, Date.now);
  if (access.notice !== null) logger.warn({ notice: access.notice }, "configuration notice");
  // Created once: its caches and single-flight only help if every review shares them.
  const created = await createEntrypointResolver(config.registry, {
    ...(access.source === undefined ? {} : { pullSecrets: access.source }),
    onLookup: event => {
      countLookup(metrics, event);
      logLookupDetail(registryLogger, recentlyLogged, event);
    },
  });
  if (!created.ok) {
    process.stderr.write(`podinit-webhook: ERR_CONFIG_INVALID: ${created.message}\n`);
    return 2;
  }
  const resolver: RegistryEntrypointResolver = created.resolver;
  const inCluster = (process.env["KUBERNETES_SERVICE_HOST"] ?? "") !== "";
  const watchLogger = logger.child({ component: "kube" });
  const limitRanges = limitRangeSource(inCluster, watchLogger);
  if (!inCluster) logger.warn({ notice: OUTSIDE_CLUSTER }, "configuration notice");
  const modes = modeSource(inCluster, config, metrics, watchLogger);
  const app = await buildApp({
    settings: config.mutation,
    settingsFor: namespace => modes.settingsFor(namespace),
    bodyLimitBytes: config.bodyLimitBytes,
    bodyBudgetBytes: config.bodyBudgetBytes,
    maxConnections: config.connections.maxConnections,
    logger,
    metrics,
    lifecycle,
    tls: pair,
    // A TLS handshake is the first phase of a connection: bounded like the headers that follow.
    handshakeTimeoutMs: config.connections.headersTimeoutMs,
    connectionsCheckingIntervalMs: connectionsCheckingIntervalMs(config.connections),
    resolveEntrypoints: (pod, namespace, only) => resolver.resolve(pod, namespace, only),
    limitsOf: namespace => limitRanges.limitsOf(namespace),
  });
  const server = app.server as HttpsServer;
  applyConnectionLimits(server, config.connections);
  const drain = drainable(server);
  await app.listen({ port: config.port, host: config.host });
  const stopWatching = watchKeyPair(
    files,
    pair,
    config.tlsReloadIntervalMs,
    next => server.setSecureContext({ cert: next.cert, key: next.key }),
    event => {
      metrics.tlsReloads.inc({ result: event.result });
      if (event.result === "reloaded") logger.info("tls key pair reloaded");
      else
        logger.warn(
          { code: event.error.code, reason: event.error.message },
          "tls reload failed; keeping the current pair",
        );
    },
  );
  // Ready once the LimitRanges and the mode are known, so a new replica neither fails open on
  // every pod nor gives init containers to pods `auto` would mount podinit into; a watch that
  // cannot list in time is no reason to stay unready (pods then fail open, or get init containers).
  await Promise.race([
    Promise.all([limitRanges.ready, modes.ready]),
    sleep(WATCHES_WAIT_MS, undefined, { ref: false }),
  ]);
  lifecycle.ready = true;
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  logger.info({ version: VERSION, ...describeConfig(config), port }, "listening");

  const signal = await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT")]);
  logger.info({ signal: String(signal[0] ?? "") }, "shutting down");
  // once() has removed its handler: a second signal (a user's Ctrl-C, a runtime that repeats
  // SIGTERM) would otherwise kill the process mid-drain, dropping the reviews in flight.
  const alreadyDraining = (again: NodeJS.Signals): void =>
    logger.info({ signal: again }, "already shutting down; the drain goes on");
  process.on("SIGTERM", alreadyDraining);
  process.on("SIGINT", alreadyDraining);
  await stopServing(config, logger, lifecycle, drain, async () => {
    stopWatching();
    await Promise.all([limitRanges.stop(), modes.stop()]);
  });
  // The server is closed already; this runs Fastify's onClose hooks.
  await app.close();
  logger.info("stopped");
  destination.flushSync();
  return 0;
}

const WATCHES_WAIT_MS = 10_000;

/**
 * After SIGTERM: not ready first, so the Endpoints drop this pod before it stops accepting.
 * Kept-alive connections outlive that (the API server keeps sending on them), so each answer
 * from then on closes its connection, and the next review goes over a new one to a replica that
 * is still ready. After the delay, the server stops accepting and drains.
 */
async function stopServing(
  config: Config,
  logger: Logger,
  lifecycle: Lifecycle,
  drain: Drain,
  stopSources: () => Promise<void>,
): Promise<void> {
  lifecycle.ready = false;
  drain.begin();
  await sleep(config.shutdownDelayMs);
  await stopSources();
  logger.info({ connections: drain.open() }, "draining in-flight reviews");
  // Past the deadline a client has stalled (the API server gives up on a webhook after 30 s at
  // most); waiting on it would only let the kubelet's SIGKILL end this process instead.
  const cut = await drain.finish(config.drainTimeoutMs);
  if (cut > 0)
    logger.warn(
      { connections: cut, drainTimeout: formatDuration(config.drainTimeoutMs) },
      "drain deadline reached; connections cut",
    );
}

function countLookup(metrics: WebhookMetrics, event: LookupEvent): void {
  metrics.imageLookups.inc({ outcome: event.outcome, registry: event.registry ?? "none" });
  if (event.code !== null) metrics.imageLookupFailures.inc({ code: event.code });
}

/** A failure logged once is not logged again for this long (a pod may name it in 5,000 containers). */
const LOGGED_FAILURE_QUIET_MS = 60_000;
const LOGGED_FAILURES_KEPT = 1024;

/**
 * The pod's warning says only that a registry could not be reached, so that its author learns
 * nothing of the ports of hosts the webhook reaches; the operator gets the network's reason here,
 * once a minute for each registry, code and reason.
 */
function logLookupDetail(
  log: Logger,
  recentlyLogged: ExpiringLru<string, true>,
  event: LookupEvent,
): void {
  if (event.detail === null) return;
  const key = `${event.registry ?? ""} ${event.code ?? ""} ${event.detail}`;
  if (recentlyLogged.get(key) !== undefined) return;
  recentlyLogged.set(key, true, LOGGED_FAILURE_QUIET_MS);
  log.info(
    { registry: event.registry, code: event.code, detail: event.detail },
    "image lookup failed",
  );
}

process.on("unhandledRejection", reason => {
  process.stderr.write(`podinit-webhook: unhandled rejection: ${String(reason)}\n`);
});

main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  (thrown: unknown) => {
    process.stderr.write(
      `podinit-webhook: ERR_INTERNAL: ${thrown instanceof Error ? thrown.message : String(thrown)}\n`,
    );
    process.exitCode = 1;
  },
);
