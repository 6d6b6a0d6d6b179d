// podinit's log lines on stderr: one plain line each, prefixed so they stand out among the app's.
import type { LogLevel } from "#options/podinit-options.js";

export interface Log {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

const RANK: Readonly<Record<LogLevel, number>> = { error: 0, warn: 1, info: 2, debug: 3 };

export function createLog(level: LogLevel, write: (line: string) => void): Log {
  const at = (wanted: LogLevel) => (message: string) => {
    if (RANK[wanted] <= RANK[level]) write(`podinit: ${message}\n`);
  };
  return { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") };
}
