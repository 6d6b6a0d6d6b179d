// How the runtime stopped a container, read from containerd's own log: from the kubelet's StopContainer call to its return, and whether it had to SIGKILL.

export interface RuntimeStop {
  readonly stopMs: number;
  /** containerd logged "Kill container": the grace period ran out and it sent SIGKILL. */
  readonly killed: boolean;
}

/**
 * An RFC 3339 UTC time with up to nanoseconds, as containerd and `kubectl logs --timestamps`
 * write it (`2026-12-04T22:14:07.184409888Z`), in ms since the epoch: Date.parse keeps only ms.
 */
export function timestampMs(text: string): number | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text);
  if (match === null) return undefined;
  return Date.parse(`${match[1]}Z`) + Number(`0.${match[2] ?? "0"}`) * 1000;
}

function loggedAt(line: string): number | undefined {
  const time = /^time="([^"]+)"/.exec(line)?.[1];
  return time === undefined ? undefined : timestampMs(time);
}

/**
 * From containerd's "StopContainer for <id> with timeout" to "StopContainer for <id> returns
 * successfully" (containerd 1.6 and 2.x word them alike); undefined when the log lacks either.
 */
export function runtimeStop(log: string, containerId: string): RuntimeStop | undefined {
  let start: number | undefined;
  let end: number | undefined;
  let killed = false;
  const quoted = `\\"${containerId}\\"`;
  for (const line of log.split("\n")) {
    if (!line.includes(quoted)) continue;
    if (line.includes(`StopContainer for ${quoted} with timeout `)) start ??= loggedAt(line);
    else if (line.includes(`StopContainer for ${quoted} returns successfully`))
      end = loggedAt(line);
    else if (line.includes(`Kill container ${quoted}`)) killed = true;
  }
  return start === undefined || end === undefined ? undefined : { stopMs: end - start, killed };
}
