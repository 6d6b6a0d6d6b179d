// What a process does with a signal (its default action, a handler, or nothing), read from /proc.

export type SignalDisposition = "default" | "caught" | "ignored";

/**
 * The disposition of `signal` in the text of a /proc/<pid>/status file, whose SigCgt and SigIgn
 * lines are hexadecimal masks with bit n-1 for signal n; null when either line is missing.
 */
export function dispositionIn(status: string, signal: number): SignalDisposition | null {
  const caught = maskHas(status, "SigCgt", signal);
  const ignored = maskHas(status, "SigIgn", signal);
  if (caught === null || ignored === null) return null;
  if (caught) return "caught";
  return ignored ? "ignored" : "default";
}

const MASK_LINES = {
  SigCgt: /^SigCgt:\s*([0-9a-f]+)\s*$/m,
  SigIgn: /^SigIgn:\s*([0-9a-f]+)\s*$/m,
} as const;

function maskHas(status: string, field: keyof typeof MASK_LINES, signal: number): boolean | null {
  const mask = MASK_LINES[field].exec(status)?.[1];
  if (mask === undefined) return null;
  const bit = signal - 1;
  const digit = mask[mask.length - 1 - Math.floor(bit / 4)];
  return digit !== undefined && (parseInt(digit, 16) & (1 << (bit % 4))) !== 0;
}
