// The JSON Patch from the original pod to the mutated one, computed by fast-json-patch.

import jsonPatch, { type Operation } from "fast-json-patch";
import { copyWith } from "./copy-with.js";
import type { Container, Pod } from "./pod-types.js";

/**
 * fast-json-patch's compare() of `original` against `mutated`. The mutation copies only what it
 * edits and shares every other subtree with the original, and compare() returns at once on two
 * identical references, so only the edited members are walked: no deep clone, no full diff.
 */
export function podPatch(original: Pod, mutated: Pod): Operation[] {
  return jsonPatch.compare(original, mutated);
}

/**
 * The patch of an injection, whose mutated pod starts its init containers with `install`.
 * compare() matches arrays index by index, so an element put in front would come out as every
 * element rewritten as its predecessor. The insertion is therefore its own `add`, and compare()
 * diffs the original as if it already had `install` first: each original init container then
 * lines up with its wrapped self.
 */
export function injectionPatch(original: Pod, mutated: Pod, install: Container): Operation[] {
  const spec = original.spec;
  const existing = spec.initContainers;
  const insert: Operation =
    existing === undefined
      ? { op: "add", path: "/spec/initContainers", value: [install] }
      : { op: "add", path: "/spec/initContainers/0", value: install };
  const inserted = copyWith(original, {
    spec: copyWith(spec, { initContainers: [install, ...(existing ?? [])] }),
  });
  const operations = podPatch(inserted, mutated);
  operations.unshift(insert);
  return operations;
}
