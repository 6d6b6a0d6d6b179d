// Parses a registry's WWW-Authenticate challenge (RFC 7235 syntax) into what the auth flow needs.

export type AuthChallenge =
  | {
      readonly scheme: "bearer";
      readonly realm: string;
      readonly service: string | null;
      readonly scope: string | null;
    }
  | { readonly scheme: "basic"; readonly realm: string | null };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/** Reads `name=value` pairs (value quoted or a token) starting at `text`; stops at the next scheme. */
function readParams(text: string): { params: Map<string, string>; rest: string } {
  const params = new Map<string, string>();
  let rest = text.trimStart();
  for (;;) {
    const name = TOKEN.exec(rest)?.[0];
    if (name === undefined) break;
    const afterName = rest.slice(name.length).trimStart();
    if (!afterName.startsWith("=")) break;
    let value = "";
    let after = afterName.slice(1).trimStart();
    if (after.startsWith('"')) {
      let i = 1;
      while (i < after.length && after[i] !== '"') i += after[i] === "\\" ? 2 : 1;
      // One slice, not a string grown a character at a time: V8 would keep each step as a node of
      // a rope, 30 bytes per character, for as long as the challenge is remembered.
      value = after.slice(1, i).replace(/\\(.?)/gs, "$1");
      after = after.slice(i + 1);
    } else {
      value = TOKEN.exec(after)?.[0] ?? "";
      after = after.slice(value.length);
    }
    params.set(name.toLowerCase(), value);
    rest = after.trimStart();
    if (!rest.startsWith(",")) break;
    rest = rest.slice(1).trimStart();
  }
  return { params, rest };
}

/**
 * The first Bearer or Basic challenge in the header; null when there is none or a Bearer challenge
 * has no realm (nothing can be done with it).
 */
export function parseAuthChallenge(header: string | undefined): AuthChallenge | null {
  let rest = (header ?? "").trim();
  while (rest !== "") {
    const scheme = TOKEN.exec(rest)?.[0];
    if (scheme === undefined) return null;
    const { params, rest: next } = readParams(rest.slice(scheme.length));
    const lower = scheme.toLowerCase();
    if (lower === "bearer") {
      const realm = params.get("realm");
      if (realm === undefined || realm === "") return null;
      return {
        scheme: "bearer",
        realm,
        service: params.get("service") ?? null,
        scope: params.get("scope") ?? null,
      };
    }
    if (lower === "basic") return { scheme: "basic", realm: params.get("realm") ?? null };
    // An unknown scheme: skip it and its parameters (the scheme token always advances).
    rest = next.startsWith(",") ? next.slice(1).trim() : next.trim();
  }
  return null;
}
