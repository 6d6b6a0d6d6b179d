// Another mutating webhook on the test cluster that adds a container (as log shippers and proxies do), called after podinit.

import { readFileSync } from "node:fs";
import { join } from "node:path";

import { HarnessError } from "../../test/support/e2e/harness-error.js";
import { pollUntil } from "../../test/support/e2e/poll.js";
import type { Cluster } from "./cluster.js";
import { createNamespace } from "./cluster-pods.js";
import { kubectl, kubectlOk } from "./kubectl.js";
import { createPki, issue } from "./pki.js";

export const ADDED_CONTAINER = "log-shipper";
/** Namespaces whose pods the second webhook changes. */
export const SECOND_WEBHOOK_LABEL = { "podinit-test/log-shipper": "enabled" } as const;
const NAMESPACE = "podinit-test-hooks";
const SERVICE = "log-shipper-injector";

/**
 * The whole webhook: answers every review with a patch that appends the container unless the pod
 * has it. Plain Node, run from podinit's webhook image, which has Node.
 */
const SERVER = `
import { createServer } from "node:https";
import { readFileSync } from "node:fs";
const tls = { cert: readFileSync("/tls/tls.crt"), key: readFileSync("/tls/tls.key") };
createServer(tls, (request, response) => {
  const chunks = [];
  request.on("data", chunk => chunks.push(chunk));
  request.on("end", () => {
    const review = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const pod = review.request.object;
    const patch = pod.spec.containers.some(c => c.name === ${JSON.stringify(ADDED_CONTAINER)})
      ? []
      : [{ op: "add", path: "/spec/containers/-", value: JSON.parse(process.env.CONTAINER) }];
    const answer = { uid: review.request.uid, allowed: true };
    if (patch.length > 0) {
      answer.patchType = "JSONPatch";
      answer.patch = Buffer.from(JSON.stringify(patch)).toString("base64");
    }
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: answer }));
  });
}).listen(8443);
`;

async function apply(cluster: Cluster, object: object): Promise<void> {
  await kubectlOk(cluster, ["apply", "-f", "-"], { input: JSON.stringify(object) });
}

/**
 * Installs the second webhook (its configuration is named so that the API server calls it after
 * podinit's) and waits until it answers. `nodeImage` has `node`; `appImage` is the added container's.
 */
export async function installSecondWebhook(
  cluster: Cluster,
  nodeImage: string,
  appImage: string,
): Promise<void> {
  const pki = await createPki(join(cluster.dir, "pki"));
  const host = `${SERVICE}.${NAMESPACE}.svc`;
  await issue(pki, { name: SERVICE, commonName: host, subjectAltNames: [`DNS:${host}`] });
  await createNamespace(cluster, NAMESPACE);
  const labels = { app: SERVICE };
  await apply(cluster, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: SERVICE, namespace: NAMESPACE },
    type: "kubernetes.io/tls",
    stringData: {
      "tls.crt": readFileSync(pki.cert(SERVICE), "utf8"),
      "tls.key": readFileSync(pki.key(SERVICE), "utf8"),
    },
  });
  await apply(cluster, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: SERVICE, namespace: NAMESPACE },
    data: { "server.mjs": SERVER },
  });
  const container = {
    name: ADDED_CONTAINER,
    image: appImage,
    imagePullPolicy: "Never",
    command: ["sh", "-c", "echo shipping; sleep 1000"],
  };
  await apply(cluster, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: SERVICE, namespace: NAMESPACE },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: "server",
              image: nodeImage,
              imagePullPolicy: "Never",
              command: ["node", "/server/server.mjs"],
              env: [{ name: "CONTAINER", value: JSON.stringify(container) }],
              readinessProbe: { tcpSocket: { port: 8443 }, periodSeconds: 1 },
              volumeMounts: [
                { name: "server", mountPath: "/server" },
                { name: "tls", mountPath: "/tls" },
              ],
            },
          ],
          volumes: [
            { name: "server", configMap: { name: SERVICE } },
            { name: "tls", secret: { secretName: SERVICE } },
          ],
        },
      },
    },
  });
  await apply(cluster, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: SERVICE, namespace: NAMESPACE },
    spec: { selector: labels, ports: [{ port: 443, targetPort: 8443 }] },
  });
  await kubectlOk(
    cluster,
    ["rollout", "status", `deployment/${SERVICE}`, "-n", NAMESPACE, "--timeout=120s"],
    { timeoutMs: 150_000 },
  );
  await apply(cluster, {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    // Webhooks are called in the order of their configurations' names: "podinit" comes first.
    metadata: { name: "zz-podinit-test-log-shipper" },
    webhooks: [
      {
        name: "log-shipper.podinit-test.example",
        admissionReviewVersions: ["v1"],
        sideEffects: "None",
        failurePolicy: "Fail",
        timeoutSeconds: 10,
        reinvocationPolicy: "Never",
        clientConfig: {
          service: { name: SERVICE, namespace: NAMESPACE, path: "/", port: 443 },
          caBundle: readFileSync(pki.caCert).toString("base64"),
        },
        rules: [
          {
            apiGroups: [""],
            apiVersions: ["v1"],
            resources: ["pods"],
            operations: ["CREATE"],
            scope: "Namespaced",
          },
        ],
        namespaceSelector: { matchLabels: SECOND_WEBHOOK_LABEL },
      },
    ],
  });
  // A Ready pod is not yet an endpoint the API server knows: without this wait the first pod
  // created was refused with "no endpoints available" (failurePolicy: Fail). A server-side dry
  // run calls the webhook without creating anything.
  await createNamespace(cluster, ANSWER_CHECK_NAMESPACE, SECOND_WEBHOOK_LABEL);
  const check = JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "answer-check", namespace: ANSWER_CHECK_NAMESPACE },
    spec: { containers: [{ name: "app", image: nodeImage, command: ["true"] }] },
  });
  const answered = await pollUntil(
    () => kubectl(cluster, ["create", "--dry-run=server", "-f", "-"], { input: check }),
    result => result.exitCode === 0,
    60_000,
    250,
  );
  if (answered.exitCode !== 0)
    throw new HarnessError(
      "ERR_TIMEOUT",
      `the second webhook did not answer in 60 s: ${answered.stderr.trim()}`,
    );
}

const ANSWER_CHECK_NAMESPACE = "podinit-test-hooks-check";
