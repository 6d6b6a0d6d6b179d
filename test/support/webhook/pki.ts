// A throwaway CA and server certificates made with openssl, for real HTTPS tests.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPki {
  readonly dir: string;
  readonly caPem: Buffer;
  /** Writes a fresh server key pair signed by the CA to `certFile`/`keyFile`; returns its serial. */
  issue(certFile: string, keyFile: string, serial: number): string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export interface SelfSigned {
  readonly keyFile: string;
  readonly certFile: string;
}

/**
 * A self-signed certificate and its key, written into `dir` as `<name>.key` and `<name>.crt`: a
 * CA, or a server that is its own CA. RSA where the user needs it (a registry token's RS256).
 */
export function selfSigned(
  dir: string,
  name: string,
  subject: string,
  options: { readonly rsa?: boolean; readonly altNames?: string } = {},
): SelfSigned {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  openssl(
    dir,
    "req",
    "-x509",
    ...(options.rsa === true ? ["-newkey", "rsa:2048", "-nodes"] : EC_KEY),
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "2",
    "-subj",
    subject,
    ...(options.altNames === undefined ? [] : ["-addext", `subjectAltName=${options.altNames}`]),
  );
  return { keyFile, certFile };
}

/** `names` are the subjectAltName entries of the certificates it issues. */
export function makeTestPki(
  names: readonly string[] = ["DNS:podinit-webhook.podinit.svc", "IP:127.0.0.1"],
): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "podinit-pki-"));
  selfSigned(dir, "ca", "/CN=podinit test CA");
  writeFileSync(join(dir, "san.ext"), `subjectAltName=${names.join(",")}\n`);
  return {
    dir,
    caPem: readFileSync(join(dir, "ca.crt")),
    issue(certFile, keyFile, serial) {
      const csr = join(dir, `server-${serial}.csr`);
      const key = join(dir, `server-${serial}.key`);
      const cert = join(dir, `server-${serial}.crt`);
      openssl(
        dir,
        "req",
        ...EC_KEY,
        "-keyout",
        key,
        "-out",
        csr,
        "-subj",
        `/CN=${(names[0] ?? "").replace(/^[A-Z]+:/, "")}`,
      );
      openssl(
        dir,
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-set_serial",
        String(serial),
        "-days",
        "1",
        "-out",
        cert,
        "-extfile",
        "san.ext",
      );
      // Key first, then certificate, as a rotating writer would; the webhook must cope with the gap.
      writeFileSync(keyFile, readFileSync(key));
      writeFileSync(certFile, readFileSync(cert));
      return serial.toString(16).toUpperCase().padStart(2, "0");
    },
  };
}
