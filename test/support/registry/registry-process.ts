// Starts Debian's docker-registry on 127.0.0.1 (open, htpasswd or token auth) and stops it, whatever happens.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export type RegistryAuthConfig =
  | { readonly kind: "open" }
  | { readonly kind: "htpasswd"; readonly users: Readonly<Record<string, string>> }
  | {
      readonly kind: "token";
      readonly realm: string;
      readonly service: string;
      readonly issuer: string;
      readonly certFile: string;
    };

export interface RunningRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** bcrypt htpasswd lines, as docker-registry requires (apache2-utils' htpasswd -B). */
function writeHtpasswd(dir: string, users: Readonly<Record<string, string>>): string {
  const file = join(dir, "htpasswd");
  const lines = Object.entries(users).map(([user, password]) => {
    const run = spawnSync("htpasswd", ["-nbB", user, password], { encoding: "utf8" });
    if (run.error !== undefined || run.status !== 0) {
      throw new Error(
        "htpasswd (Debian package apache2-utils) is needed for the basic-auth registry",
      );
    }
    return run.stdout.trim();
  });
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

function authSection(dir: string, auth: RegistryAuthConfig): Record<string, unknown> | undefined {
  if (auth.kind === "htpasswd") {
    return { htpasswd: { realm: "test-registry", path: writeHtpasswd(dir, auth.users) } };
  }
  if (auth.kind === "token") {
    return {
      token: {
        realm: auth.realm,
        service: auth.service,
        issuer: auth.issuer,
        rootcertbundle: auth.certFile,
      },
    };
  }
  return undefined;
}

/** Any HTTP answer at all means it listens (TLS is not verified here: only readiness is). */
function answers(host: string, tls: boolean): Promise<boolean> {
  return new Promise(resolve => {
    const request = (tls ? https : http).get(
      `${tls ? "https" : "http"}://${host}/v2/`,
      { rejectUnauthorized: false },
      response => {
        response.resume();
        resolve(response.statusCode === 200 || response.statusCode === 401);
      },
    );
    request.on("error", () => resolve(false));
  });
}

async function waitUntilServing(
  host: string,
  tls: boolean,
  child: ChildProcess,
  log: () => string,
): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log()}`);
    if (await answers(host, tls)) return;
    await new Promise(resolve => setTimeout(resolve, 25));
  }
  throw new Error(`docker-registry on ${host} did not start: ${log()}`);
}

/**
 * Several registries may share `storageDir`: images pushed to the open one are served by all.
 * `listen` puts it on a fixed loopback address and port (`127.5.0.1:443` to stand in for a public
 * registry's host); by default it takes a free port on 127.0.0.1.
 */
export async function startRegistry(
  storageDir: string,
  auth: RegistryAuthConfig = { kind: "open" },
  tls: { readonly certFile: string; readonly keyFile: string } | null = null,
  listen: string | null = null,
): Promise<RunningRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "podinit-registry-"));
  const host = listen ?? `127.0.0.1:${await freePort()}`;
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: "error", accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: storageDir }, cache: {} },
    http: {
      addr: host,
      secret: "registry-test-secret",
      ...(tls === null ? {} : { tls: { certificate: tls.certFile, key: tls.keyFile } }),
    },
  };
  const section = authSection(dir, auth);
  if (section !== undefined) config["auth"] = section;
  const configFile = join(dir, "config.yml");
  writeFileSync(configFile, stringify(config));
  const child = spawn("docker-registry", ["serve", configFile], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(resolve => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(host, tls !== null, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, stop };
}
