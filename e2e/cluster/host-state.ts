// What of the host a test node could change, read as plain text: paths, sysctls, links, routes, mounts, cgroups, iptables.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

import { runProcess } from "../../test/support/e2e/process-run.js";
import { KUBELET_SYSCTLS } from "./node-config.js";

export interface HostState {
  readonly paths: Readonly<Record<string, string[]>>;
  readonly sysctls: Readonly<Record<string, string>>;
  readonly links: string;
  readonly addresses: string;
  readonly routes: string;
  readonly mounts: string[];
  /** Top-level cgroup folders of every hierarchy, as `hierarchy/name`. */
  readonly cgroups: string[];
  readonly iptables: string;
}

/** Where a kubelet, containerd, CNI, kubectl or Helm writes by default. */
const WATCHED_PATHS = [
  "/run",
  "/var/lib",
  "/var/log",
  "/etc",
  "/opt",
  "/var/run/netns",
  "/usr/libexec",
  homedir(),
];

/** The kubelet's own and the ones container networking and proxies set. */
const WATCHED_SYSCTLS = [
  ...Object.keys(KUBELET_SYSCTLS),
  "net/ipv4/ip_forward",
  "net/ipv4/conf/all/route_localnet",
  "net/bridge/bridge-nf-call-iptables",
  "net/bridge/bridge-nf-call-ip6tables",
  "kernel/pid_max",
  "vm/max_map_count",
  "fs/inotify/max_user_instances",
];

function listing(path: string): string[] {
  return existsSync(path) ? readdirSync(path).sort() : ["(absent)"];
}

function sysctl(name: string): string {
  const path = join("/proc/sys", name);
  return existsSync(path) ? readFileSync(path, "utf8").trim() : "(absent)";
}

async function output(program: string, args: readonly string[]): Promise<string> {
  const result = await runProcess(program, args);
  return `${result.stdout}${result.stderr}`;
}

/** iptables-save without its dated comments and packet counters, which change on their own. */
function stableRules(text: string): string {
  return text
    .split("\n")
    .filter(line => !line.startsWith("#"))
    .map(line => line.replace(/\[\d+:\d+\]/g, ""))
    .join("\n");
}

function cgroupTops(): string[] {
  const tops: string[] = [];
  for (const hierarchy of readdirSync("/sys/fs/cgroup")) {
    const dir = join("/sys/fs/cgroup", hierarchy);
    if (!statSync(dir).isDirectory()) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) tops.push(`${hierarchy}/${entry.name}`);
    }
  }
  return tops.sort();
}

/** Mount points and types of this process's mount namespace (the host's), without IDs. */
function mounts(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .trim()
    .split("\n")
    .map(line => {
      const fields = line.split(" ");
      const separator = fields.indexOf("-");
      return `${fields[4]} ${fields[separator + 1]} ${fields[separator + 2]}`;
    })
    .sort();
}

export async function hostState(): Promise<HostState> {
  return {
    paths: Object.fromEntries(WATCHED_PATHS.map(path => [path, listing(path)])),
    sysctls: Object.fromEntries(WATCHED_SYSCTLS.map(name => [name, sysctl(name)])),
    links: await output("ip", ["-o", "link", "show"]),
    addresses: await output("ip", ["-o", "address", "show"]),
    routes: await output("ip", ["route", "show", "table", "all"]),
    mounts: mounts(),
    cgroups: cgroupTops(),
    iptables: stableRules(await output("iptables-save", [])),
  };
}
