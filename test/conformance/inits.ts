// The inits the conformance suite runs: how each spells a feature on its command line, or why it cannot.
import { PODINIT_BINARY } from "../support/podinit-binary.js";

/** Where the init runs: PID 1 of a fresh PID namespace, or an ordinary process of the host. */
export type Placement = "pid1" | "process";

/** What a case asks of the init, beyond running the command. */
export interface Features {
  /** Whom forwarded signals go to; absent: the init's own default. */
  readonly forward?: "group" | "child";
  /** Forward signal FROM as TO; TO null drops it. */
  readonly rewrite?: readonly (readonly [from: number, to: number | null])[];
  /** Exit with TO when the command exits with FROM. */
  readonly remapExit?: readonly (readonly [from: number, to: number])[];
  readonly verbose?: boolean;
  /** As an ordinary process, adopt and reap the command's orphans (PR_SET_CHILD_SUBREAPER). */
  readonly reapsOrphans?: boolean;
}

/** A feature the init has no way to express: the case does not apply to it. */
export class NotExpressible extends Error {
  constructor(init: string, what: string) {
    super(`${init} ${what}`);
    this.name = "NotExpressible";
  }
}

export interface Init {
  readonly name: string;
  /** The program, a path or a name looked up in PATH. */
  readonly program: string;
  /** The flags that ask for the usage text and for the version. */
  readonly helpFlag: string;
  readonly versionFlag: string;
  /** The argv that runs `command` under the init with `features`; throws NotExpressible. */
  argv(command: readonly string[], features: Features, placement: Placement): string[];
}

const podinit: Init = {
  name: "podinit",
  program: PODINIT_BINARY,
  helpFlag: "--help",
  versionFlag: "--version",
  argv: (command, f) => [
    PODINIT_BINARY,
    // podinit's default is the group; saying so costs nothing and keeps the case explicit.
    ...(f.forward === undefined ? [] : [`--forward=${f.forward}`]),
    ...(f.rewrite ?? []).map(([from, to]) => `--rewrite=${from}:${to ?? "none"}`),
    ...(f.remapExit ?? []).map(([from, to]) => `--remap-exit=${from}:${to}`),
    ...(f.verbose === true ? ["-v"] : []),
    // podinit is a subreaper whenever it is not PID 1: nothing to ask for.
    "--",
    ...command,
  ],
};

function tini(program: string): Init {
  return {
    name: program,
    program,
    helpFlag: "-h",
    versionFlag: "--version",
    argv(command, f, placement) {
      if (f.rewrite !== undefined) throw new NotExpressible(program, "cannot rewrite signals");
      if ((f.remapExit ?? []).some(([, to]) => to !== 0))
        throw new NotExpressible(program, "can remap an exit code only to 0 (-e)");
      return [
        program,
        ...(f.forward === "group" ? ["-g"] : []),
        ...(f.remapExit ?? []).flatMap(([from]) => ["-e", String(from)]),
        ...(f.verbose === true ? ["-v"] : []),
        // tini reaps orphans outside PID 1 only when told to (-s), and warns otherwise.
        ...(placement === "process" ? ["-s"] : []),
        "--",
        ...command,
      ];
    },
  };
}

const dumbInit: Init = {
  name: "dumb-init",
  program: "dumb-init",
  helpFlag: "--help",
  versionFlag: "--version",
  argv(command, f, placement) {
    if (f.remapExit !== undefined) throw new NotExpressible("dumb-init", "cannot remap exit codes");
    if (f.reapsOrphans === true && placement === "process")
      throw new NotExpressible("dumb-init", "never becomes a subreaper outside PID 1");
    return [
      "dumb-init",
      ...(f.forward === "child" ? ["--single-child"] : []),
      ...(f.rewrite ?? []).flatMap(([from, to]) => ["--rewrite", `${from}:${to ?? 0}`]),
      ...(f.verbose === true ? ["-v"] : []),
      "--",
      ...command,
    ];
  },
};

const catatonit: Init = {
  name: "catatonit",
  program: "catatonit",
  helpFlag: "-h",
  versionFlag: "-V",
  argv(command, f) {
    if (f.rewrite !== undefined) throw new NotExpressible("catatonit", "cannot rewrite signals");
    if (f.remapExit !== undefined) throw new NotExpressible("catatonit", "cannot remap exit codes");
    if (f.verbose === true) throw new NotExpressible("catatonit", "has no verbose mode");
    return ["catatonit", ...(f.forward === "group" ? ["-g"] : []), "--", ...command];
  },
};

export const PODINIT: Init = podinit;

/** podinit first, then the peers in the order the benchmarks list them. */
export const INITS: readonly Init[] = [
  podinit,
  tini("tini"),
  tini("tini-static"),
  dumbInit,
  catatonit,
];
