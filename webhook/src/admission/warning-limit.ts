// Keeps a review's warnings to what a user can read and the API server passes on: few, and short.

/**
 * The API server truncates warnings to 256 characters once a response's add up to more than 4 KB,
 * and kubectl prints every one: a pod naming thousands of missing containers must not answer with
 * thousands of lines, nor echo a megabyte annotation back.
 */
const MAX_WARNINGS = 10;
const MAX_WARNING_CHARS = 512;

/** The first warnings, each cut to MAX_WARNING_CHARS; a last one counts those left out. */
export function limitWarnings(warnings: readonly string[]): readonly string[] {
  const fits =
    warnings.length <= MAX_WARNINGS && warnings.every(w => w.length <= MAX_WARNING_CHARS);
  if (fits) return warnings;
  const shown = warnings.length <= MAX_WARNINGS ? warnings.length : MAX_WARNINGS - 1;
  const limited: string[] = [];
  for (let i = 0; i < shown; i++) limited.push(shorten(warnings[i] ?? ""));
  const left = warnings.length - shown;
  if (left > 0) limited.push(`and ${left} more warnings about this pod, not shown`);
  return limited;
}

function shorten(warning: string): string {
  if (warning.length <= MAX_WARNING_CHARS) return warning;
  let end = MAX_WARNING_CHARS - 1;
  // Never half of a surrogate pair: the API server would show it as a replacement character.
  const last = warning.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${warning.slice(0, end)}…`;
}
