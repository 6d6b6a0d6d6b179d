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

/** `names` are the subjectAltName entries of the certificates it issues. */
export function makeTestPki(
  names: readonly string[] = ["DNS:podinit-webhook.podinit.svc", "IP:127.0.0.1"],
): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "podinit-pki-"));
  const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    dir,
    "req",
    "-x509",
    ...curve,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=podinit test CA",
  );
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
        ...curve,
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
