// A small bearer-token service for docker-registry's `auth: token`: signs RS256 JWTs with a throwaway test key.

import { createSign, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selfSigned } from "../webhook/pki.js";

export interface TokenRequest {
  readonly scope: string | null;
  readonly service: string | null;
  /** The user of a Basic header, or null when none was sent. */
  readonly user: string | null;
}

export interface TokenServer {
  /** Base URL the registry's realm points at, e.g. `http://127.0.0.1:PORT/token`. */
  realmOn(hostname: string): string;
  readonly port: number;
  readonly certFile: string;
  readonly issuer: string;
  readonly service: string;
  readonly requests: TokenRequest[];
  expiresInSeconds: number;
  stop(): Promise<void>;
}

/** The user and password of a Basic Authorization header; null for any other header or none. */
export function decodeBasic(
  header: string | null,
): { readonly name: string; readonly password: string } | null {
  if (header?.startsWith("Basic ") !== true) return null;
  // The password may hold colons (a JSON key does): only the first one separates.
  const decoded = Buffer.from(header.slice(6), "base64").toString();
  const colon = decoded.indexOf(":");
  return colon < 0
    ? { name: decoded, password: "" }
    : { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

export interface TokenServerOptions {
  /** Repositories anonymous users may pull (the known users may pull anything). */
  readonly publicPrefixes?: readonly string[];
  /** The audience of its tokens, which the registry's `service` must name. */
  readonly service?: string;
  /** Served over TLS on this fixed `address:port` (a public realm's stand-in), not HTTP on a free port. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly listen: string };
}

export async function startTokenServer(
  users: Readonly<Record<string, string>>,
  options: TokenServerOptions = {},
): Promise<TokenServer> {
  const publicPrefixes = options.publicPrefixes ?? ["public/"];
  const allowedActions = (user: string | null, repository: string): string[] =>
    user !== null || publicPrefixes.some(p => repository.startsWith(p)) ? ["pull"] : [];
  const dir = mkdtempSync(join(tmpdir(), "podinit-token-"));
  // RSA: the token is signed RS256.
  const { keyFile, certFile } = selfSigned(dir, "token", "/CN=podinit-test-token", { rsa: true });
  const key = readFileSync(keyFile, "utf8");
  const der = readFileSync(certFile, "utf8").replace(/-----[^-]+-----|\s/g, "");
  const issuer = "podinit-test-issuer";
  const service = options.service ?? "podinit-test-registry";
  const requests: TokenRequest[] = [];
  const state = { expiresInSeconds: 300 };

  const sign = (user: string | null, scope: string | null): string => {
    const now = Math.floor(Date.now() / 1000);
    const [type = "", name = "", actions = ""] = (scope ?? "").split(":");
    const granted = allowedActions(user, name).filter(a => actions.split(",").includes(a));
    const header = { typ: "JWT", alg: "RS256", x5c: [der] };
    const claims = {
      iss: issuer,
      sub: user ?? "",
      aud: service,
      exp: now + state.expiresInSeconds,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: scope === null ? [] : [{ type, name, actions: granted }],
    };
    const body = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign("RSA-SHA256").update(body).sign(key);
    return `${body}.${base64url(signature)}`;
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://token");
    let user: string | null = null;
    const login = decodeBasic(req.headers.authorization ?? null);
    if (login !== null) {
      const { name, password } = login;
      if (users[name] !== password) {
        requests.push({
          scope: url.searchParams.get("scope"),
          service: url.searchParams.get("service"),
          user: name,
        });
        res.writeHead(401).end();
        return;
      }
      user = name;
    }
    const scope = url.searchParams.get("scope");
    requests.push({ scope, service: url.searchParams.get("service"), user });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token: sign(user, scope), expires_in: state.expiresInSeconds }));
  };
  const tls = options.tls;
  const server =
    tls === undefined
      ? http.createServer(handle)
      : https.createServer(
          { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) },
          handle,
        );
  const [address, fixedPort] = tls === undefined ? ["127.0.0.1", 0] : tls.listen.split(":");
  await new Promise<void>(resolve => server.listen(Number(fixedPort), address, resolve));
  const bound = server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : 0;
  const scheme = tls === undefined ? "http" : "https";
  return {
    realmOn: hostname => `${scheme}://${hostname}${tls === undefined ? `:${port}` : ""}/token`,
    port,
    certFile,
    issuer,
    service,
    requests,
    get expiresInSeconds() {
      return state.expiresInSeconds;
    },
    set expiresInSeconds(value: number) {
      state.expiresInSeconds = value;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
