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

/** The key itself and up to two levels down: a line's fields are shallow objects. */
const REDACTED = SECRET_KEYS.flatMap(key => [key, `*.${key}`, `*.*.${key}`]);

export function createLogger(level: Level | "silent", destination: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED, censor: "[redacted]" } }, destination);
}
