// Reads a container's k8s-file log directly: stdout and stderr in the order the app wrote them, without a podman call.

import { readFile } from "node:fs/promises";

export interface LogLine {
  readonly stream: "stdout" | "stderr";
  readonly text: string;
}

export interface ContainerLogs {
  readonly lines: readonly LogLine[];
  /** Both streams interleaved as written, one line each. */
  readonly text: string;
}

/** Each record is `<time> <stream> <P|F> <text>`; P marks a partial line continued by the next record. */
export function parseKubernetesLog(content: string): ContainerLogs {
  const lines: LogLine[] = [];
  let pending: { stream: "stdout" | "stderr"; text: string } | null = null;
  for (const record of content.split("\n")) {
    const match = /^\S+ (stdout|stderr) ([PF]) ?(.*)$/.exec(record);
    if (match === null) continue;
    const stream = match[1] === "stderr" ? "stderr" : "stdout";
    const text: string = (pending?.stream === stream ? pending.text : "") + (match[3] ?? "");
    if (match[2] === "P") {
      pending = { stream, text };
    } else {
      lines.push({ stream, text });
      pending = null;
    }
  }
  if (pending !== null) lines.push(pending);
  return { lines, text: lines.map(line => line.text).join("\n") };
}

export async function readContainerLogs(logPath: string): Promise<ContainerLogs> {
  try {
    return parseKubernetesLog(await readFile(logPath, "utf8"));
  } catch (error) {
    // conmon creates the file when the container starts; before that there is nothing to read.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { lines: [], text: "" };
    throw error;
  }
}
