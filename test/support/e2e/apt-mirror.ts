// Finds the Debian mirror and suite apt is configured with, so no host name is ever written into the project.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { HarnessError } from "./harness-error.js";

export interface AptMirror {
  readonly uri: string;
  readonly suite: string;
}

function readIfPresent(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function listSourceFiles(): string[] {
  const dir = "/etc/apt/sources.list.d";
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch {
    // No drop-in directory: only sources.list counts.
  }
  return [...names.map(name => join(dir, name)), "/etc/apt/sources.list"];
}

/** deb822 stanzas (`URIs:` / `Suites:`) and one-line `deb URI SUITE …` entries alike. */
function candidates(path: string): AptMirror[] {
  const text = readIfPresent(path);
  if (path.endsWith(".sources")) {
    return text.split(/\n\s*\n/).flatMap(stanza => {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suite = /^Suites:\s*(\S+)/m.exec(stanza)?.[1];
      const isBinary = /^Types:.*\bdeb\b/m.test(stanza);
      return uri !== undefined && suite !== undefined && isBinary ? [{ uri, suite }] : [];
    });
  }
  return text.split("\n").flatMap(line => {
    const [type, uri, suite] = line.trim().split(/\s+/);
    return type === "deb" && uri !== undefined && suite !== undefined ? [{ uri, suite }] : [];
  });
}

/** The first main Debian archive (not security, not updates) among apt's sources. */
export function findAptMirror(): AptMirror {
  const mirror = listSourceFiles()
    .flatMap(candidates)
    .find(entry => /\/debian\/?$/.test(entry.uri) && !entry.suite.includes("-"));
  if (mirror === undefined) {
    throw new HarnessError(
      "ERR_NO_MIRROR",
      "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/*: add one (a `deb URI SUITE main` line)",
    );
  }
  return mirror;
}
