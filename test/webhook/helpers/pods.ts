// Small pods built in tests, for rules that a realistic fixture would hide in noise.

import type { Container, Pod } from "../../../webhook/src/mutation/pod-types.js";

export function podWith(
  containers: Container[],
  extra: { annotations?: Record<string, string>; spec?: Record<string, unknown> } = {},
): Pod {
  const metadata =
    extra.annotations === undefined ? { name: "p" } : { name: "p", annotations: extra.annotations };
  return { apiVersion: "v1", kind: "Pod", metadata, spec: { containers, ...extra.spec } };
}

export function app(name = "app", fields: Record<string, unknown> = {}): Container {
  return { name, image: "example/app:1", command: ["/app", "serve"], ...fields };
}

/** Freezes the whole tree, so a test fails if the mutation writes into its input. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
