// Quotes words for /bin/sh, so that paths and scripts with spaces or quotes survive its word splitting.

export function shellWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function shellWords(argv: readonly string[]): string {
  return argv.map(shellWord).join(" ");
}
