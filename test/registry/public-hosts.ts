// Public registries' host names on loopback: a TLS front per name that routes each path as that host does.

import type { LookupAddress } from "node:dns";
import { readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { join } from "node:path";
import type { AddressResolver } from "../../webhook/src/registry/registry-transport.js";
import { makeTestPki } from "../support/webhook/pki.js";

/** Where a request whose path matches goes: a local upstream over HTTP, or a redirect. */
export type Route =
  | { readonly path: RegExp; readonly proxyTo: string }
  | { readonly path: RegExp; readonly redirectTo: (path: string) => string };

export interface PublicHost {
  /** The public name, e.g. `ghcr.io`; served on `address`:443 with a certificate for it. */
  readonly name: string;
  readonly address: string;
  /** Tried in order; a request no route matches gets 404. */
  readonly routes: readonly Route[];
}

export interface SeenAtHost {
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
}

export interface PublicHosts {
  /** Resolves the hosts' names to their loopback addresses; any other name fails, so no test reaches the network. */
  readonly resolve: AddressResolver;
  /** The CA of the hosts' certificate, trusted by the test's transport only. */
  readonly ca: string;
  readonly seen: SeenAtHost[];
  stop(): Promise<void>;
}

/**
 * Resolves each name of `addresses` to its loopback address; any other name fails as DNS does, so
 * no test reaches the network.
 */
export function loopbackResolver(addresses: ReadonlyMap<string, string>): AddressResolver {
  return (hostname, callback) => {
    const address = addresses.get(hostname);
    if (address === undefined) {
      callback(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }),
        [],
      );
      return;
    }
    callback(null, [{ address, family: 4 } satisfies LookupAddress]);
  };
}

function forward(upstream: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const out = http.request(
    `http://${upstream}${req.url ?? "/"}`,
    { method: req.method, headers: req.headers },
    answer => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  req.pipe(out);
}

export async function startPublicHosts(hosts: readonly PublicHost[]): Promise<PublicHosts> {
  const pki = makeTestPki(hosts.map(h => `DNS:${h.name}`));
  const certFile = join(pki.dir, "hosts.pem");
  const keyFile = join(pki.dir, "hosts.key");
  pki.issue(certFile, keyFile, 1);
  const tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  const seen: SeenAtHost[] = [];
  const servers = await Promise.all(
    hosts.map(async host => {
      const server = https.createServer(tls, (req, res) => {
        const path = req.url ?? "/";
        seen.push({
          host: host.name,
          method: req.method ?? "",
          path,
          authorization: req.headers.authorization ?? null,
        });
        const pathname = new URL(path, "https://x").pathname;
        const route = host.routes.find(r => r.path.test(pathname));
        if (route === undefined) res.writeHead(404).end();
        else if ("proxyTo" in route) forward(route.proxyTo, req, res);
        else res.writeHead(307, { location: route.redirectTo(path) }).end();
      });
      // Port 443 needs root: say so at once rather than when the hook times out.
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(443, host.address, resolve);
      });
      return server;
    }),
  );
  return {
    resolve: loopbackResolver(new Map(hosts.map(h => [h.name, h.address]))),
    ca: pki.caPem.toString(),
    seen,
    async stop() {
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map(s => new Promise(resolve => s.close(resolve))));
      rmSync(pki.dir, { recursive: true, force: true });
    },
  };
}
