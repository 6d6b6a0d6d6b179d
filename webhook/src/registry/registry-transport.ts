// The only code that talks to the network: one HTTP(S) request, no redirects, forbidden addresses refused after DNS.

import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { byteBudget } from "../byte-budget.js";
import { isForbiddenAddress } from "./address-policy.js";
import { LOOKUP_TIMEOUT_HINT, lookupFailure, type LookupFailure } from "./lookup-failure.js";

export interface TransportRequest {
  readonly method: "GET" | "HEAD";
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** Bodies larger than this are refused (a manifest is a few KB; a huge body is an attack). */
  readonly maxBytes: number;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export type RegistryTransport = (
  request: TransportRequest,
) => Promise<TransportResponse | LookupFailure>;

/** Resolves names like dns.lookup with `all: true`; tests substitute their own answers. */
export type AddressResolver = (
  hostname: string,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface TransportOptions {
  /** Extra trusted CAs (PEM) on top of Node's bundled ones. */
  readonly ca?: string | undefined;
  readonly resolve?: AddressResolver;
  /**
   * The most bytes of registry answers read at once, over every lookup (--registry-body-budget):
   * forty lookups of 8 MiB configs would otherwise hold 320 MiB. An answer that would pass it
   * fails with ERR_LOOKUPS_BUSY.
   */
  readonly bodyBudgetBytes: number;
}

const ALL: LookupAllOptions = { all: true };

const systemResolver: AddressResolver = (hostname, callback) => dnsLookup(hostname, ALL, callback);

class ForbiddenAddressError extends Error {
  constructor(readonly address: string) {
    super(`address ${address} is link-local or a metadata endpoint`);
  }
}

/**
 * A `lookup` for http.request that checks every resolved address, so a name that points at a
 * metadata endpoint (or is rebound to one) is refused before any connection is made.
 */
function guardedLookup(resolve: AddressResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error !== null) return callback(error, "", 0);
      const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
      const usable = addresses.filter(a => wanted === 0 || a.family === wanted);
      const forbidden = usable.find(a => isForbiddenAddress(a.address));
      if (forbidden !== undefined)
        return callback(new ForbiddenAddressError(forbidden.address), "", 0);
      if (options.all === true)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      const first = usable[0];
      if (first === undefined) {
        return callback(
          Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }),
          "",
          0,
        );
      }
      callback(null, first.address, first.family);
    });
  };
}

function failureFor(error: unknown, url: URL, signal: AbortSignal): LookupFailure {
  const where = url.host;
  if (signal.aborted) {
    return lookupFailure(
      "ERR_LOOKUP_TIMEOUT",
      `the lookup ran out of time while waiting for ${where}; ${LOOKUP_TIMEOUT_HINT}`,
    );
  }
  if (error instanceof ForbiddenAddressError) {
    return lookupFailure(
      "ERR_ADDRESS_FORBIDDEN",
      `${where} resolves to ${error.address}, a link-local or metadata address the webhook never contacts`,
    );
  }
  const code = (error as { code?: unknown }).code;
  const reason = typeof code === "string" ? code : error instanceof Error ? error.message : "error";
  const detail =
    error instanceof Error && error.message !== reason ? `${reason}: ${error.message}` : reason;
  return lookupFailure("ERR_REGISTRY_UNREACHABLE", unreachableMessage(url, reason), detail);
}

/** Node's codes for a certificate that does not chain to a trusted CA. */
const UNTRUSTED_CERTIFICATE = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
]);
/** A certificate that chains to a trusted CA but is wrong for this host or this day. */
const INVALID_CERTIFICATE = new Set(["CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID"]);

/**
 * One message per kind of network failure, naming the setting that fixes it: the chart's value
 * first (how clusters install podinit), then the webhook's flag. A certificate is named, as a
 * status would be: something answered HTTPS there. Everything else (no such name, a closed port,
 * a reset, an answer that is not TLS or not HTTP) reads the same, with the settings for each:
 * a pod's author may name any host and port, and telling ECONNREFUSED from a non-TLS answer would
 * map which ports are open on hosts only the webhook can reach. The operator's log has the reason.
 */
function unreachableMessage(url: URL, reason: string): string {
  const where = url.host;
  if (UNTRUSTED_CERTIFICATE.has(reason)) {
    return (
      `cannot verify the certificate of ${where} (${reason}); if it comes from a private CA, ` +
      "trust that CA with registry.caConfigMap (--registry-ca)"
    );
  }
  if (INVALID_CERTIFICATE.has(reason)) {
    return (
      `the certificate of ${where} is not valid for it (${reason}); the registry's certificate ` +
      "must be renewed or reissued for this name"
    );
  }
  if (url.protocol === "https:") {
    return (
      `cannot reach ${where} over HTTPS (no such name, refused, reset or not TLS); check the ` +
      "image's registry: a plain-HTTP registry must be " +
      "listed in registry.insecure (--registry-insecure), and a cluster that pulls through a " +
      "cache names it in registry.mirrors (--registry-mirror)"
    );
  }
  return (
    `cannot reach ${where} over HTTP (no such name, refused or reset); check the image's registry, and if the cluster pulls ` +
    "through a cache, name it in registry.mirrors (--registry-mirror)"
  );
}

function overBudget(url: URL, budget: number): string {
  return (
    `the registry answers being read would pass ${budget} bytes with this one from ${url.host}; ` +
    "a registry is sending very large bodies (the webhook's lookup log names it), or raise registry.bodyBudget (--registry-body-budget)"
  );
}

/** Keep-alive agents shared by every lookup; a new TLS handshake per request would dominate cold lookups. */
export function createRegistryTransport(options: TransportOptions): RegistryTransport {
  const lookup = guardedLookup(options.resolve ?? systemResolver);
  const budget = byteBudget(options.bodyBudgetBytes);
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 16,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
  return request =>
    new Promise(resolve => {
      const { url, signal } = request;
      const hostname = url.hostname.replace(/^\[|\]$/g, "");
      if (isIP(hostname) !== 0 && isForbiddenAddress(hostname)) {
        resolve(failureFor(new ForbiddenAddressError(hostname), url, signal));
        return;
      }
      if (signal.aborted) {
        resolve(failureFor(signal.reason, url, signal));
        return;
      }
      const secure = url.protocol === "https:";
      const client = secure ? https : http;
      const req = client.request(url, {
        method: request.method,
        headers: request.headers,
        agent: secure ? httpsAgent : httpAgent,
        lookup,
        signal,
      });
      // This answer's bytes, given back once it is settled: its caller parses the body before
      // any other answer's bytes can arrive.
      const hold = budget.hold();
      const settle = (outcome: TransportResponse | LookupFailure): void => {
        hold.release();
        resolve(outcome);
      };
      req.on("error", error => settle(failureFor(error, url, signal)));
      req.on("response", response => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          const refused =
            size > request.maxBytes
              ? `${url.host} sent more than ${request.maxBytes} bytes for ${url.pathname}`
              : !hold.take(chunk.length)
                ? overBudget(url, budget.limitBytes)
                : null;
          if (refused !== null) {
            response.destroy();
            settle(
              lookupFailure(
                size > request.maxBytes ? "ERR_REGISTRY_RESPONSE" : "ERR_LOOKUPS_BUSY",
                refused,
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        response.on("error", error => settle(failureFor(error, url, signal)));
        response.on("end", () =>
          settle({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
      });
      req.end();
    });
}
