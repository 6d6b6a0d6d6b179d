// The webhook's pino logger: JSON lines, errors under `err`, and no credential's value in any line.

import { pino, type DestinationStream, type Level, type Logger } from "pino";

/**
 * Keys that hold a secret in what the webhook handles: a pull secret's auths (password, auth,
 * identitytoken, registrytoken), a registry's token answer (token, access_token) and HTTP headers
 * (authorization). No line is meant to carry one; this keeps a slip from leaking it.
 */
const SECRET_KEYS = [
  "password",
  "auth",
  "identitytoken",
  "registrytoken",
  "token",
  "access_token",
  "authorization",
];

/**
 * The objects a line could carry such keys in: a pull secret's credential, HTTP headers, a token
 * endpoint's response. Named paths, not wildcards: pino's wildcard redaction walks every key of
 * every line, which cost 24 µs a line here and halved the webhook's throughput.
 */
const HOLDERS = ["credential", "headers", "response"];

const REDACTED = [
  ...SECRET_KEYS,
  ...HOLDERS.flatMap(holder => SECRET_KEYS.map(key => `${holder}.${key}`)),
];

const CENSOR = "[redacted]";
const SECRET = new Set(SECRET_KEYS);

/**
 * An error as pino writes it, with a secret key's value censored at any depth: an error may carry
 * whatever a library attached to it (a request's headers, a response), which named paths cannot
 * foresee. Error lines are rare, so walking them costs the reviews nothing.
 */
function errorWithoutSecrets(error: Error): unknown {
  const censor = (value: unknown, depth: number): unknown => {
    if (typeof value !== "object" || value === null || depth > 8) return value;
    if (Array.isArray(value)) return value.map(item => censor(item, depth + 1));
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        SECRET.has(key.toLowerCase()) ? CENSOR : censor(inner, depth + 1),
      ]),
    );
  };
  return censor(pino.stdSerializers.err(error), 0);
}

export function createLogger(level: Level | "silent", destination: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED, censor: CENSOR },
      serializers: { err: errorWithoutSecrets },
    },
    destination,
  );
}
