// Test oracle: the kubelet's `$(VAR)` expansion of command and args (k8s third_party/forked/golang/expansion), written from its rules.

/**
 * `$(NAME)` becomes the variable's value, or stays as written when unknown; `$$` becomes `$`;
 * `$(` without a closing `)` and `$` before anything else stay as they are.
 */
export function expandKubernetes(input: string, env: Readonly<Record<string, string>>): string {
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== "$" || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === "$") {
      out += "$";
    } else if (rest[0] === "(") {
      const close = rest.indexOf(")", 1);
      if (close === -1) {
        out += "$(";
      } else {
        const name = rest.slice(1, close);
        out += Object.hasOwn(env, name) ? env[name] : `$(${name})`;
        advance = close + 1;
      }
    } else {
      out += `$${rest[0]}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

export function expandAll(
  words: readonly string[] | undefined,
  env: Readonly<Record<string, string>>,
): string[] {
  return (words ?? []).map(w => expandKubernetes(w, env));
}
