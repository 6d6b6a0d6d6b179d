// Loads the serving key pair and swaps it in when cert-manager or the kubelet rewrites the files.

import { watch, readFileSync, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import { createSecureContext } from "node:tls";
import { webhookError, type WebhookError } from "./errors.js";

export interface KeyPairFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface KeyPair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

function readFile(flag: string, path: string): Buffer | WebhookError {
  try {
    return readFileSync(path);
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code ?? "error";
    return webhookError("ERR_TLS_FILES", `${flag}: cannot read ${path}: ${code}`);
  }
}

/** Reads both files and checks that they form a usable pair, naming the setting at fault. */
export function readKeyPair(files: KeyPairFiles): KeyPair | WebhookError {
  const cert = readFile("--tls-cert", files.certFile);
  if (!Buffer.isBuffer(cert)) return cert;
  const key = readFile("--tls-key", files.keyFile);
  if (!Buffer.isBuffer(key)) return key;
  try {
    createSecureContext({ cert, key });
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : "unusable";
    return webhookError(
      "ERR_TLS_FILES",
      `--tls-cert/--tls-key: ${files.certFile} and ${files.keyFile} are not a matching PEM certificate and key (${reason})`,
    );
  }
  return { cert, key };
}

export function isKeyPair(value: KeyPair | WebhookError): value is KeyPair {
  return "cert" in value;
}

export type ReloadEvent =
  { readonly result: "reloaded" } | { readonly result: "failed"; readonly error: WebhookError };

/**
 * Calls `apply` with the new pair whenever the files change. Watches the directories, not the
 * files: Kubernetes updates a mounted Secret by swapping a `..data` symlink, which file watches
 * miss. A periodic re-read covers file systems where watching does not work at all. A half-written
 * pair fails validation and is retried on the next event, so the old certificate stays in use.
 */
export function watchKeyPair(
  files: KeyPairFiles,
  current: KeyPair,
  intervalMs: number,
  apply: (pair: KeyPair) => void,
  report: (event: ReloadEvent) => void,
): () => void {
  let last = current;
  let pending: NodeJS.Timeout | null = null;
  const check = (): void => {
    pending = null;
    const next = readKeyPair(files);
    if (!isKeyPair(next)) {
      report({ result: "failed", error: next });
      return;
    }
    if (next.cert.equals(last.cert) && next.key.equals(last.key)) return;
    apply(next);
    last = next;
    report({ result: "reloaded" });
  };
  const soon = (): void => {
    // Writers replace cert and key one after the other; wait for both before reading.
    if (pending === null) pending = setTimeout(check, 100);
  };
  const watchers: FSWatcher[] = [...new Set([dirname(files.certFile), dirname(files.keyFile)])].map(
    dir => watch(dir, { persistent: false }, soon).on("error", () => undefined),
  );
  const timer = intervalMs > 0 ? setInterval(check, intervalMs).unref() : null;
  return () => {
    for (const watcher of watchers) watcher.close();
    if (timer !== null) clearInterval(timer);
    if (pending !== null) clearTimeout(pending);
  };
}
