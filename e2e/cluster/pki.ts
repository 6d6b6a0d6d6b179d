// The test cluster's certificates, made with openssl: one CA, the API server's serving pair, each component's client identity.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { runProcessOrThrow } from "../../test/support/e2e/process-run.js";

export interface CertificateRequest {
  /** File name without extension: `<name>.crt` and `<name>.key` in the PKI folder. */
  readonly name: string;
  readonly commonName: string;
  /** The API server maps O to groups: `system:masters`, `system:nodes`. */
  readonly organization?: string;
  /** `DNS:…` and `IP:…` entries; a certificate with any is a serving one. */
  readonly subjectAltNames?: readonly string[];
}

export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  /** The RSA pair the API server signs service account tokens with. */
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  cert(name: string): string;
  key(name: string): string;
}

const DAYS = "30";
/** A new P-256 key, unencrypted, for `openssl req`. */
const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function openssl(dir: string, args: readonly string[]): Promise<void> {
  await runProcessOrThrow("openssl", args, { cwd: dir });
}

/** The CA and the service account key, made once per folder; issued pairs are added by `issue`. */
export async function createPki(dir: string): Promise<Pki> {
  mkdirSync(dir, { recursive: true });
  const pki: Pki = {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    serviceAccountKey: join(dir, "service-account.key"),
    serviceAccountPub: join(dir, "service-account.pub"),
    cert: name => join(dir, `${name}.crt`),
    key: name => join(dir, `${name}.key`),
  };
  if (!existsSync(pki.caCert)) {
    await openssl(dir, [
      "req",
      "-x509",
      ...NEW_KEY,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      DAYS,
      "-subj",
      "/CN=podinit test cluster CA",
    ]);
  }
  if (!existsSync(pki.serviceAccountPub)) {
    await openssl(dir, ["genrsa", "-out", "service-account.key", "2048"]);
    await openssl(dir, [
      "rsa",
      "-in",
      "service-account.key",
      "-pubout",
      "-out",
      "service-account.pub",
    ]);
  }
  return pki;
}

/** Issues `<name>.crt`/`.key` signed by the cluster CA, unless they exist already. */
export async function issue(pki: Pki, request: CertificateRequest): Promise<void> {
  if (existsSync(pki.cert(request.name))) return;
  const sans = request.subjectAltNames ?? [];
  const extensions = [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    `extendedKeyUsage=${sans.length > 0 ? "serverAuth,clientAuth" : "clientAuth"}`,
    ...(sans.length > 0 ? [`subjectAltName=${sans.join(",")}`] : []),
  ];
  const extFile = join(pki.dir, `${request.name}.ext`);
  writeFileSync(extFile, `${extensions.join("\n")}\n`);
  const subject =
    `/CN=${request.commonName}` + (request.organization ? `/O=${request.organization}` : "");
  await openssl(pki.dir, [
    "req",
    ...NEW_KEY,
    "-keyout",
    `${request.name}.key`,
    "-out",
    `${request.name}.csr`,
    "-subj",
    subject,
  ]);
  await openssl(pki.dir, [
    "x509",
    "-req",
    "-in",
    `${request.name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    DAYS,
    "-extfile",
    extFile,
    "-out",
    `${request.name}.crt`,
  ]);
}
