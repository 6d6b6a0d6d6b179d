// Parsers that rows of both podinit's and the webhook's option tables share: choices, durations, unset.

import { parseDuration } from "./duration.js";
import type { Parsed } from "./option-table.js";

type Parse<T> = (text: string) => Parsed<T>;

/** `text` as one of `choices`, compared after `normalize` (as given by default). */
export function oneOf<C extends string>(
  choices: readonly C[],
  normalize: (text: string) => string = text => text,
): Parse<C> {
  return text => {
    const wanted = normalize(text);
    const choice = choices.find(c => c === wanted);
    return choice === undefined
      ? `'${text}' is not one of ${choices.join(", ")}`
      : { value: choice };
  };
}

/** An optional setting: the empty text leaves it unset (null); any other is parsed. */
export function orUnset<T>(parse: Parse<T>): Parse<T | null> {
  return text => (text === "" ? { value: null } : parse(text));
}

/** A duration in ms, zero included; `example` ends the reason ("is not a duration like 30s"). */
export function duration(example: string): Parse<number> {
  return text => {
    const ms = parseDuration(text);
    return ms === null ? `'${text}' is not a duration ${example}` : { value: ms };
  };
}

/** A duration above zero and at most `maxMs`, in ms. */
export function positiveDuration(maxMs: number, example: string): Parse<number> {
  return text => {
    const ms = parseDuration(text);
    return ms === null || ms <= 0 || ms > maxMs
      ? `'${text}' is not a duration ${example}`
      : { value: ms };
  };
}

/** `parse` given the text without its surrounding blanks, which its reasons then quote. */
export function trimmed<T>(parse: Parse<T>): Parse<T> {
  return text => parse(text.trim());
}
