// TLS three ways: Helm-generated and kept across upgrades, cert-manager with CA injection, or an existing secret.

import { X509Certificate, createPrivateKey } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import {
  CHART_DIR,
  findObject,
  NAMESPACE,
  RELEASE,
  renderChart,
  renderFailure,
  type KubeObject,
} from "./helm-chart.js";
import { COMBINATIONS, TEST_CA_PEM } from "./value-combinations.js";

const SERVICE_DNS_NAMES = [
  RELEASE,
  `${RELEASE}.${NAMESPACE}`,
  `${RELEASE}.${NAMESPACE}.svc`,
  `${RELEASE}.${NAMESPACE}.svc.cluster.local`,
];

type Webhooks = KubeObject & {
  metadata: { annotations?: Record<string, string> };
  webhooks: { clientConfig: { caBundle?: string } }[];
};

function caBundleOf(objects: readonly KubeObject[]): string | undefined {
  return findObject<Webhooks>(objects, "MutatingWebhookConfiguration").webhooks[0]?.clientConfig
    .caBundle;
}

function tlsSecretData(objects: readonly KubeObject[]): Record<string, string> {
  const secret = findObject<KubeObject & { type: string; data: Record<string, string> }>(
    objects,
    "Secret",
  );
  expect(secret.type).toBe("kubernetes.io/tls");
  return secret.data;
}

const fromBase64 = (text: string) => Buffer.from(text, "base64");

function dnsNamesOf(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? "").split(", ").map(entry => entry.replace(/^DNS:/, ""));
}

function tlsVolumeSecret(objects: readonly KubeObject[]): string | undefined {
  const deployment = findObject<
    KubeObject & {
      spec: {
        template: { spec: { volumes: { name: string; secret?: { secretName: string } }[] } };
      };
    }
  >(objects, "Deployment");
  return deployment.spec.template.spec.volumes.find(v => v.name === "tls")?.secret?.secretName;
}

describe("tls.mode=generate (default)", () => {
  it("the caBundle is the CA that issued the serving certificate, which matches its key", async () => {
    const objects = await renderChart();
    const data = tlsSecretData(objects);
    expect(caBundleOf(objects)).toBe(data["ca.crt"]);
    const ca = new X509Certificate(fromBase64(data["ca.crt"] ?? ""));
    const cert = new X509Certificate(fromBase64(data["tls.crt"] ?? ""));
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(fromBase64(data["tls.key"] ?? "")))).toBe(true);
  });

  it("the certificate covers every DNS name of the Service and lasts tls.generate.validityDays", async () => {
    const objects = await renderChart({ tls: { generate: { validityDays: 400 } } });
    const cert = new X509Certificate(fromBase64(tlsSecretData(objects)["tls.crt"] ?? ""));
    expect(dnsNamesOf(cert)).toEqual(expect.arrayContaining(SERVICE_DNS_NAMES));
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(400);
  });

  it("the Deployment mounts the Secret that holds that certificate", async () => {
    const objects = await renderChart();
    expect(tlsVolumeSecret(objects)).toBe(findObject(objects, "Secret").metadata.name);
  });
});

describe("tls.mode=generate across upgrades (lookup finds the Secret of the previous release)", () => {
  // helm template has no cluster, so lookup always returns nothing. A copy of the chart whose
  // single lookup call reads a file instead shows what an upgrade renders when the Secret exists.
  const LOOKUP_CALL = 'lookup "v1" "Secret" .Release.Namespace $secretName';
  const chartCopy = mkdtempSync(join(tmpdir(), "podinit-chart-lookup-"));
  cpSync(CHART_DIR, chartCopy, { recursive: true });
  const helpers = join(chartCopy, "templates", "_helpers.tpl");
  const original = readFileSync(helpers, "utf8");
  afterAll(() => rmSync(chartCopy, { recursive: true, force: true }));

  it("the chart makes exactly one lookup of its Secret", () => {
    expect(original.split(LOOKUP_CALL)).toHaveLength(2);
  });

  it("keeps the existing CA, certificate and key, and the caBundle stays that CA", async () => {
    const first = tlsSecretData(await renderChart());
    writeFileSync(join(chartCopy, "previous-secret.json"), JSON.stringify({ data: first }));
    writeFileSync(
      helpers,
      original.replace(LOOKUP_CALL, '(.Files.Get "previous-secret.json" | fromJson)'),
    );
    const upgrade = await renderChart({}, chartCopy);
    expect(tlsSecretData(upgrade)).toEqual(first);
    expect(caBundleOf(upgrade)).toBe(first["ca.crt"]);
    const recreated = await renderChart({ tls: { generate: { recreate: true } } }, chartCopy);
    expect(tlsSecretData(recreated)["ca.crt"]).not.toBe(first["ca.crt"]);
    expect(caBundleOf(recreated)).toBe(tlsSecretData(recreated)["ca.crt"]);
  });
});

interface Certificate extends KubeObject {
  spec: {
    secretName: string;
    dnsNames?: string[];
    isCA?: boolean;
    issuerRef: { name: string; kind: string; group?: string };
  };
}

describe("tls.mode=certManager", () => {
  it("a serving Certificate for the Service's names, stored where the Deployment reads it", async () => {
    const objects = await renderChart(COMBINATIONS["cert-manager with the chart's own CA"]);
    const serving = findObject<Certificate>(objects, "Certificate", `${RELEASE}-serving`);
    expect(serving.spec.dnsNames).toEqual(SERVICE_DNS_NAMES);
    expect(tlsVolumeSecret(objects)).toBe(serving.spec.secretName);
    expect(objects.some(o => o.kind === "Secret")).toBe(false);
  });

  it("cert-manager injects the serving certificate's CA into the webhook configuration", async () => {
    const objects = await renderChart(COMBINATIONS["cert-manager with the chart's own CA"]);
    const config = findObject<Webhooks>(objects, "MutatingWebhookConfiguration");
    expect(config.metadata.annotations?.["cert-manager.io/inject-ca-from"]).toBe(
      `${NAMESPACE}/${RELEASE}-serving`,
    );
    expect(caBundleOf(objects)).toBeUndefined();
  });

  it("without an issuer, a self-signed Issuer signs a CA whose Issuer signs the serving certificate", async () => {
    const objects = await renderChart(COMBINATIONS["cert-manager with the chart's own CA"]);
    const issuers = objects.filter(o => o.kind === "Issuer") as (KubeObject & {
      spec: Record<string, unknown>;
    })[];
    const selfSigned = issuers.find(i => "selfSigned" in i.spec);
    const caCert = findObject<Certificate>(objects, "Certificate", `${RELEASE}-ca`);
    const caIssuer = issuers.find(i => "ca" in i.spec);
    expect(caCert.spec.isCA).toBe(true);
    expect(caCert.spec.issuerRef.name).toBe(selfSigned?.metadata.name);
    expect(caIssuer?.spec["ca"]).toEqual({ secretName: caCert.spec.secretName });
    const serving = findObject<Certificate>(objects, "Certificate", `${RELEASE}-serving`);
    expect(serving.spec.issuerRef).toEqual({
      name: caIssuer?.metadata.name,
      kind: "Issuer",
      group: "cert-manager.io",
    });
  });

  it("with tls.certManager.issuerRef, that issuer signs and the chart makes none", async () => {
    const objects = await renderChart(COMBINATIONS["cert-manager with a ClusterIssuer"]);
    expect(objects.filter(o => o.kind === "Issuer")).toEqual([]);
    expect(objects.filter(o => o.kind === "Certificate")).toHaveLength(1);
    expect(findObject<Certificate>(objects, "Certificate").spec.issuerRef).toEqual({
      name: "corp-ca",
      kind: "ClusterIssuer",
    });
  });
});

describe("tls.mode=secret", () => {
  it("mounts the named secret and puts the given CA in the webhook configuration", async () => {
    const objects = await renderChart(COMBINATIONS["existing secret"]);
    expect(tlsVolumeSecret(objects)).toBe("my-webhook-tls");
    expect(fromBase64(caBundleOf(objects) ?? "").toString()).toBe(TEST_CA_PEM);
    expect(objects.filter(o => o.kind === "Secret" || o.kind === "Certificate")).toEqual([]);
  });

  it("fails with the missing value's name when the secret or its CA is not given", async () => {
    expect(
      await renderFailure({ tls: { mode: "secret", secret: { caBundle: TEST_CA_PEM } } }),
    ).toContain("tls.secret.name is required");
    expect(await renderFailure({ tls: { mode: "secret", secret: { name: "x" } } })).toContain(
      "tls.secret.caBundle (the PEM CA certificate) is required",
    );
  });
});
