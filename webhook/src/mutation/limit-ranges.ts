// The installer sized inside the namespace's LimitRanges, checked as the API server's LimitRanger checks it.
//
// LimitRanger runs before the webhooks (defaults for containers without resources) and again after
// any webhook changed the pod (the API server reruns every in-tree mutating plugin), then validates
// every container, init containers included, and the pod's totals. So the installer gets explicit
// cpu and memory inside min, max and maxLimitRequestRatio, LimitRanger's defaults fill whatever
// else it lacks (ephemeral-storage), and the result is validated here exactly as LimitRanger will:
// a pod that would be rejected because of podinit is left without podinit instead.
import { quantitiesOf } from "./pod-qos.js";
import { isJsonObject, type Container, type Pod, type ResourceRequirements } from "./pod-types.js";
import { formatQuantity, type Nanos } from "./quantity.js";

/** One `spec.limits[]` entry of a LimitRange. */
export interface LimitRangeItem {
  readonly type: string;
  readonly min?: Readonly<Record<string, string>>;
  readonly max?: Readonly<Record<string, string>>;
  readonly default?: Readonly<Record<string, string>>;
  readonly defaultRequest?: Readonly<Record<string, string>>;
  readonly maxLimitRequestRatio?: Readonly<Record<string, string>>;
}

export interface NamespaceLimitRange {
  readonly name: string;
  readonly items: readonly LimitRangeItem[];
}

/** A namespace's LimitRanges, or "unknown" while the webhook's watch has not listed them yet. */
export type NamespaceLimits = readonly NamespaceLimitRange[] | "unknown";

/** A namespace without LimitRanges (and every namespace where none can be watched). */
export const NO_LIMIT_RANGES: NamespaceLimits = Object.freeze([]);

export type LimitFit =
  | { readonly ok: true; readonly resources: ResourceRequirements | null }
  | { readonly ok: false; readonly problem: string };

type Quantities = ReadonlyMap<string, Nanos>;
interface Sized {
  readonly requests: Map<string, Nanos>;
  readonly limits: Map<string, Nanos>;
}

const SIZED = ["cpu", "memory"] as const;
const NANOS_PER_UNIT = 1_000_000_000n;
const NANOS_PER_MILLI = 1_000_000n;

/** What LimitRanger compares: a quantity in whole thousandths, rounded up (MilliValue). */
function milli(value: Nanos): Nanos {
  return value <= 0n ? value / NANOS_PER_MILLI : (value + NANOS_PER_MILLI - 1n) / NANOS_PER_MILLI;
}

/**
 * The installer's resources moved inside the namespace's LimitRanges: `wanted` (null: none) with
 * cpu and memory raised to any min, lowered to any max, and the limit lowered to any ratio. Fails
 * when the installer, or the pod with it, would break a LimitRange the pod without it keeps.
 */
export function fitLimitRanges(
  wanted: ResourceRequirements | null,
  guaranteed: boolean,
  ranges: readonly NamespaceLimitRange[],
  pod: Pod,
): LimitFit {
  if (ranges.length === 0) return { ok: true, resources: wanted };
  const parsed = parseRanges(ranges);
  if (typeof parsed === "string") return { ok: false, problem: parsed };
  const sized = wanted === null ? null : within(toSized(wanted), guaranteed, parsed);
  // LimitRanger's defaults, written into the installer rather than left to LimitRanger: it runs
  // again after the webhooks only when the pod changed before its rerun, not when podinit injects
  // on a reinvocation (another webhook made the pod eligible).
  const installer = withDefaults(sized ?? { requests: new Map(), limits: new Map() }, parsed);
  const resources =
    installer.requests.size === 0 && installer.limits.size === 0 ? null : fromSized(installer);
  for (const range of parsed) {
    for (const item of range.items.filter(i => i.type === "Container")) {
      const broken = violation(item, installer, "Container");
      if (broken !== null) return { ok: false, problem: `LimitRange ${range.name}: ${broken}` };
    }
  }
  const before = podTotals(pod, null);
  const after = podTotals(pod, installer);
  for (const range of parsed) {
    for (const item of range.items.filter(i => i.type === "Pod")) {
      const broken = violation(item, after, "Pod");
      if (broken !== null && violation(item, before, "Pod") === null)
        return { ok: false, problem: `LimitRange ${range.name}: ${broken}` };
    }
  }
  return { ok: true, resources };
}

interface ParsedItem {
  readonly type: string;
  readonly min: Quantities;
  readonly max: Quantities;
  readonly default: Quantities;
  readonly defaultRequest: Quantities;
  readonly ratio: Quantities;
}

interface ParsedRange {
  readonly name: string;
  readonly items: readonly ParsedItem[];
}

function parseRanges(ranges: readonly NamespaceLimitRange[]): ParsedRange[] | string {
  const parsed: ParsedRange[] = [];
  for (const range of ranges) {
    const items: ParsedItem[] = [];
    for (const item of range.items) {
      const fields = {} as Record<keyof Omit<ParsedItem, "type">, Quantities>;
      for (const [key, source] of [
        ["min", item.min],
        ["max", item.max],
        ["default", item.default],
        ["defaultRequest", item.defaultRequest],
        ["ratio", item.maxLimitRequestRatio],
      ] as const) {
        const { values, unreadable } = quantitiesOf(source);
        if (unreadable !== null)
          return `LimitRange ${range.name}: ${unreadable} is not a quantity the webhook can read`;
        fields[key] = values;
      }
      items.push({ type: item.type, ...fields });
    }
    parsed.push({ name: range.name, items });
  }
  return parsed;
}

function toSized(resources: ResourceRequirements): Sized {
  return {
    requests: quantitiesOf(resources.requests).values,
    limits: quantitiesOf(resources.limits).values,
  };
}

function fromSized(sized: Sized): ResourceRequirements {
  const write = (values: ReadonlyMap<string, Nanos>): Record<string, string> =>
    Object.fromEntries([...values].map(([name, v]) => [name, formatQuantity(v, name !== "cpu")]));
  return { requests: write(sized.requests), limits: write(sized.limits) };
}

/** cpu and memory moved inside every Container item's min, max and ratio (and Pod items' max). */
function within(sized: Sized, guaranteed: boolean, ranges: readonly ParsedRange[]): Sized {
  const items = ranges.flatMap(r => r.items);
  const requests = new Map(sized.requests);
  const limits = new Map(sized.limits);
  for (const name of SIZED) {
    const containerItems = items.filter(i => i.type === "Container");
    const least = largest(containerItems.map(i => i.min.get(name)));
    const most = smallest(items.map(i => i.max.get(name)));
    const ratio = smallest(containerItems.map(i => i.ratio.get(name)));
    let request = requests.get(name);
    let limit = limits.get(name);
    if (request === undefined || limit === undefined) continue;
    if (least !== null && request < least) request = least;
    if (limit < request) limit = request;
    if (most !== null && limit > most) limit = most;
    if (request > limit) request = limit;
    if (guaranteed) limit = request;
    // A limit too far above the request is lowered: the installer needs little of either. Down
    // to whole millicores or bytes, as LimitRanger rounds what it compares up to those.
    else if (ratio !== null && limit * NANOS_PER_UNIT > ratio * request) {
      const step = name === "cpu" ? NANOS_PER_MILLI : NANOS_PER_UNIT;
      limit = ((ratio * request) / NANOS_PER_UNIT / step) * step;
      if (limit < request) limit = request;
    }
    requests.set(name, request);
    limits.set(name, limit);
  }
  return { requests, limits };
}

function largest(values: readonly (Nanos | undefined)[]): Nanos | null {
  let found: Nanos | null = null;
  for (const v of values) if (v !== undefined && (found === null || v > found)) found = v;
  return found;
}

function smallest(values: readonly (Nanos | undefined)[]): Nanos | null {
  let found: Nanos | null = null;
  for (const v of values) if (v !== undefined && (found === null || v < found)) found = v;
  return found;
}

/** LimitRanger's defaulting: per LimitRange in turn, defaults fill only what is still missing. */
function withDefaults(sized: Sized, ranges: readonly ParsedRange[]): Sized {
  const requests = new Map(sized.requests);
  const limits = new Map(sized.limits);
  for (const range of ranges) {
    for (const item of range.items.filter(i => i.type === "Container")) {
      for (const [name, v] of item.default) if (!limits.has(name)) limits.set(name, v);
      for (const [name, v] of item.defaultRequest) if (!requests.has(name)) requests.set(name, v);
    }
  }
  return { requests, limits };
}

/**
 * LimitRanger's min, max and ratio checks of one item, in its words; null when kept. It compares
 * whole thousandths rounded up (admission.go's requestLimitEnforcedValues), and so does this.
 */
function violation(item: ParsedItem, sized: Sized, kind: string): string | null {
  for (const side of SIDES) {
    for (const [name, bound] of item[side.field]) {
      const broken = outside(name, bound, sized, kind, side);
      if (broken !== null) return broken;
    }
  }
  for (const [name, ratio] of item.ratio) {
    const request = milli(sized.requests.get(name) ?? 0n);
    const limit = milli(sized.limits.get(name) ?? 0n);
    const rule = `${name} max limit to request ratio per ${kind} is ${show(ratio, "")}`;
    if (request === 0n || limit === 0n) return `${rule}, but no request or limit is specified`;
    if (limit * 1000n > milli(ratio) * request)
      return `${rule}, but the limit is more than that times the request`;
  }
  return null;
}

/**
 * A minimum or a maximum, as the API server's LimitRanger checks it: the value the bound is about
 * first (a minimum's request, a maximum's limit) must be given and within it, then the other one.
 */
interface Side {
  readonly field: "min" | "max";
  readonly word: string;
  readonly order: readonly ["request" | "limit", "request" | "limit"];
  beyond(value: bigint, bound: bigint): boolean;
}

const MINIMUM: Side = {
  field: "min",
  word: "minimum",
  order: ["request", "limit"],
  beyond: (value, bound) => value < bound,
};
const MAXIMUM: Side = {
  field: "max",
  word: "maximum",
  order: ["limit", "request"],
  beyond: (value, bound) => value > bound,
};
/** Built once: violation() runs for every item of every LimitRange of each review's namespace. */
const SIDES = [MINIMUM, MAXIMUM] as const;

function outside(
  name: string,
  bound: Nanos,
  sized: Sized,
  kind: string,
  side: Side,
): string | null {
  const given = { request: sized.requests.get(name), limit: sized.limits.get(name) };
  const rule = `${side.word} ${name} usage per ${kind} is ${show(bound, name)}`;
  const [first] = side.order;
  if (given[first] === undefined) return `${rule}. No ${first} is specified`;
  for (const which of side.order) {
    const value = given[which];
    if (value !== undefined && side.beyond(milli(value), milli(bound)))
      return `${rule}, but ${which} is ${show(value, name)}`;
  }
  return null;
}

function show(value: Nanos, name: string): string {
  return formatQuantity(value, name !== "cpu" && name !== "");
}

/**
 * The pod's requests and limits as LimitRanger totals them: the containers and native sidecars
 * summed, or a plain init container (with the sidecars started before it) when that is larger.
 * `installer`, when given, runs first, before every other init container.
 */
function podTotals(pod: Pod, installer: Sized | null): Sized {
  const totals = (pick: (c: Sized) => ReadonlyMap<string, Nanos>): Map<string, Nanos> => {
    const sum = new Map<string, Nanos>();
    const add = (into: Map<string, Nanos>, from: ReadonlyMap<string, Nanos>): void => {
      for (const [name, v] of from) into.set(name, (into.get(name) ?? 0n) + v);
    };
    const sidecars = new Map<string, Nanos>();
    const peak = new Map<string, Nanos>();
    const atLeast = (values: ReadonlyMap<string, Nanos>): void => {
      for (const [name, v] of values) if (v > (peak.get(name) ?? 0n)) peak.set(name, v);
    };
    if (installer !== null) atLeast(pick(installer));
    for (const c of pod.spec.initContainers ?? []) {
      const own = pick(sizedOf(c));
      if (c.restartPolicy === "Always") add(sidecars, own);
      else {
        const during = new Map(sidecars);
        add(during, own);
        atLeast(during);
      }
    }
    for (const c of pod.spec.containers) add(sum, pick(sizedOf(c)));
    add(sum, sidecars);
    atLeast(sum);
    return peak;
  };
  return { requests: totals(s => s.requests), limits: totals(s => s.limits) };
}

function sizedOf(container: Container): Sized {
  const resources = container.resources;
  return isJsonObject(resources) ? toSized(resources) : { requests: new Map(), limits: new Map() };
}
