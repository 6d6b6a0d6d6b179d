// The registries of the integration tests: one storage with every test image, served open, behind htpasswd and behind tokens.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startCountingProxy, type CountingProxy } from "./counting-proxy.js";
import { buildImage, pushImage, pushIndex, type TestImage } from "./oci-images.js";
import { startRegistry, type RunningRegistry } from "./registry-process.js";
import { startTokenServer, type TokenServer } from "./token-server.js";

export const USER = "puller";
export const PASSWORD = "s3cret-pull-password";

/** The images every integration test can use, by name, with what their configs say. */
export const IMAGES = {
  entryAndCmd: buildImage({ entrypoint: ["/bin/app", "--home=$(HOME)"], cmd: ["serve", "$1"] }),
  entryOnly: buildImage({ entrypoint: ["/docker-entrypoint.sh"] }),
  cmdOnly: buildImage({ cmd: ["nginx", "-g", "daemon off;"] }),
  nothing: buildImage({}),
  nullLists: buildImage({ entrypoint: null, cmd: null }),
  dockerFormat: buildImage({ entrypoint: ["/docker"], cmd: ["run"], docker: true }),
  multiAmd: buildImage({ entrypoint: ["/multi"], cmd: ["x"], architecture: "amd64" }),
  multiArm: buildImage({ entrypoint: ["/multi"], cmd: ["x"], architecture: "arm64" }),
  disagreeAmd: buildImage({ entrypoint: ["/amd64-start"], architecture: "amd64" }),
  disagreeArm: buildImage({ entrypoint: ["/arm64-start"], architecture: "arm64" }),
} satisfies Record<string, TestImage>;

export interface TestRegistries {
  /** The storage every registry here serves; start more registries on it to share the images. */
  readonly storage: string;
  readonly open: RunningRegistry;
  readonly basic: RunningRegistry | null;
  readonly token: RunningRegistry | null;
  readonly tokenServer: TokenServer | null;
  /** Digest of the two-platform index `apps/multi:1`. */
  readonly multiIndexDigest: string;
  stop(): Promise<void>;
}

async function pushAll(host: string): Promise<string> {
  await pushImage(host, "apps/entry-and-cmd", IMAGES.entryAndCmd, "1");
  await pushImage(host, "apps/entry-only", IMAGES.entryOnly, "1");
  await pushImage(host, "apps/cmd-only", IMAGES.cmdOnly, "1");
  await pushImage(host, "apps/nothing", IMAGES.nothing, "1");
  await pushImage(host, "apps/null-lists", IMAGES.nullLists, "1");
  await pushImage(host, "apps/docker-format", IMAGES.dockerFormat, "1");
  const multi = await pushIndex(host, "apps/multi", [IMAGES.multiAmd, IMAGES.multiArm], "1");
  await pushIndex(host, "apps/disagree", [IMAGES.disagreeAmd, IMAGES.disagreeArm], "1");
  await pushIndex(host, "apps/arm-only", [IMAGES.multiArm], "1");
  await pushImage(host, "public/tool", IMAGES.entryOnly, "1");
  await pushImage(host, "private/app", IMAGES.entryAndCmd, "1");
  return multi.digest;
}

/** Starts what `wanted` asks for; on any failure everything started so far is stopped. */
export async function startTestRegistries(
  wanted: { basic?: boolean; token?: boolean } = {},
): Promise<TestRegistries> {
  const storage = mkdtempSync(join(tmpdir(), "podinit-registry-storage-"));
  const started: { stop(): Promise<void> }[] = [];
  const stop = async (): Promise<void> => {
    for (const item of started.reverse()) await item.stop().catch(() => undefined);
    rmSync(storage, { recursive: true, force: true });
  };
  try {
    const open = await startRegistry(storage);
    started.push(open);
    const multiIndexDigest = await pushAll(open.host);
    let basic: RunningRegistry | null = null;
    let token: RunningRegistry | null = null;
    let tokenServer: TokenServer | null = null;
    if (wanted.basic === true) {
      basic = await startRegistry(storage, { kind: "htpasswd", users: { [USER]: PASSWORD } });
      started.push(basic);
    }
    if (wanted.token === true) {
      tokenServer = await startTokenServer({ [USER]: PASSWORD });
      started.push(tokenServer);
      token = await startRegistry(storage, {
        kind: "token",
        realm: tokenServer.realmOn("127.0.0.1"),
        service: tokenServer.service,
        issuer: tokenServer.issuer,
        certFile: tokenServer.certFile,
      });
      started.push(token);
    }
    return { storage, open, basic, token, tokenServer, multiIndexDigest, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The open registry behind a counting proxy, for the tests of one file: its counts and faults reset before each test. */
export interface ProxiedRegistry {
  readonly registries: TestRegistries;
  readonly proxy: CountingProxy;
}

/** Registers the hooks that start, reset and stop a ProxiedRegistry; filled in before the first test. */
export function proxiedRegistry(): ProxiedRegistry {
  const started: { registries?: TestRegistries; proxy?: CountingProxy } = {};
  beforeAll(async () => {
    started.registries = await startTestRegistries();
    started.proxy = await startCountingProxy(started.registries.open.host);
  });
  afterAll(async () => {
    await started.proxy?.stop();
    await started.registries?.stop();
  });
  beforeEach(() => started.proxy?.reset());
  return {
    get registries(): TestRegistries {
      if (started.registries === undefined) throw new Error("registries not started");
      return started.registries;
    },
    get proxy(): CountingProxy {
      if (started.proxy === undefined) throw new Error("proxy not started");
      return started.proxy;
    },
  };
}
