// Reads ENTRYPOINT and CMD (and the platform) from an image config blob.

import { lookupFailure, type LookupFailure } from "./lookup-failure.js";

export interface ImageConfig {
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly os: string | null;
  readonly architecture: string | null;
}

/**
 * The longest command a lookup takes from an image: a command is copied into the pod and kept in
 * the lookup cache, and one the size of the config blob (megabytes) would cost both. Real images'
 * commands are a few hundred characters; Linux itself refuses one argument over 128 KiB.
 */
export const COMMAND_MAX_CHARS = 64 * 1024;

function stringList(value: unknown): readonly string[] | null {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every(v => typeof v === "string")) return null;
  return Object.freeze([...value]);
}

/** `config.Entrypoint` and `config.Cmd`; absent or null both mean "not set" (an empty list). */
export function parseImageConfig(body: Uint8Array, where: string): ImageConfig | LookupFailure {
  const bad = (why: string): LookupFailure =>
    lookupFailure("ERR_IMAGE_CONFIG_INVALID", `the image config of ${where} ${why}`);
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    return bad("is not JSON");
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    return bad("is not a JSON object");
  }
  const root = document as Record<string, unknown>;
  const config = root["config"] ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    return bad("has a 'config' that is not an object");
  }
  const entrypoint = stringList((config as Record<string, unknown>)["Entrypoint"]);
  const cmd = stringList((config as Record<string, unknown>)["Cmd"]);
  if (entrypoint === null) return bad("has an Entrypoint that is not a list of strings");
  if (cmd === null) return bad("has a Cmd that is not a list of strings");
  const size = [...entrypoint, ...cmd].reduce((sum, arg) => sum + arg.length, 0);
  if (size > COMMAND_MAX_CHARS) {
    return lookupFailure(
      "ERR_COMMAND_TOO_LARGE",
      `the image config of ${where} has an Entrypoint and Cmd of ${size} characters, more than ` +
        `the ${COMMAND_MAX_CHARS} a lookup copies into a pod; set podinit.dev/entrypoint.<container>`,
    );
  }
  const text = (v: unknown): string | null => (typeof v === "string" ? v : null);
  return { entrypoint, cmd, os: text(root["os"]), architecture: text(root["architecture"]) };
}
