// A checker for Pod Security Admission's "restricted" profile, for the fields pods here use.

type Obj = Record<string, unknown>;

const ALLOWED_VOLUME_TYPES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  // Image volumes too (pod-security-admission policy/check_restrictedVolumes.go, 1.34 and 1.37).
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);
const GOOD_SECCOMP = new Set(["RuntimeDefault", "Localhost"]);

function obj(value: unknown): Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

/** Every rule of the restricted profile (v1.33) the pod breaks, as readable strings. */
export function restrictedViolations(pod: unknown): string[] {
  const spec = obj(obj(pod)["spec"]);
  const podSc = obj(spec["securityContext"]);
  const problems: string[] = [];
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (spec[field] === true) problems.push(`spec.${field}`);
  }
  if (podSc["runAsUser"] === 0) problems.push("pod runAsUser 0");
  for (const volume of list(spec["volumes"])) {
    const type = Object.keys(volume).find(k => k !== "name");
    if (type === undefined || !ALLOWED_VOLUME_TYPES.has(type)) {
      problems.push(`volume ${String(volume["name"])}: ${type}`);
    }
  }
  const containers = [
    ...list(spec["initContainers"]),
    ...list(spec["containers"]),
    ...list(spec["ephemeralContainers"]),
  ];
  for (const container of containers) problems.push(...containerViolations(container, podSc));
  return problems;
}

function containerViolations(container: Obj, podSc: Obj): string[] {
  const name = String(container["name"]);
  const sc = obj(container["securityContext"]);
  const caps = obj(sc["capabilities"]);
  const problems: string[] = [];
  if (sc["privileged"] === true) problems.push(`${name}: privileged`);
  if (sc["allowPrivilegeEscalation"] !== false) problems.push(`${name}: allowPrivilegeEscalation`);
  const drop = Array.isArray(caps["drop"]) ? caps["drop"] : [];
  if (!drop.includes("ALL")) problems.push(`${name}: capabilities.drop lacks ALL`);
  const add = Array.isArray(caps["add"]) ? caps["add"] : [];
  if (add.some(c => c !== "NET_BIND_SERVICE")) problems.push(`${name}: capabilities.add`);
  const nonRoot = sc["runAsNonRoot"] ?? podSc["runAsNonRoot"];
  if (nonRoot !== true) problems.push(`${name}: runAsNonRoot`);
  if (sc["runAsUser"] === 0) problems.push(`${name}: runAsUser 0`);
  const seccomp = obj(sc["seccompProfile"])["type"] ?? obj(podSc["seccompProfile"])["type"];
  if (typeof seccomp !== "string" || !GOOD_SECCOMP.has(seccomp)) {
    problems.push(`${name}: seccompProfile`);
  }
  return problems;
}
