// A stand-in for a Kubernetes Service on loopback: each new TCP connection goes to a ready replica, open ones stay where they are.

import { once } from "node:events";
import https from "node:https";
import { connect, createServer, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * How often each replica's /readyz is asked. In a cluster the kubelet's probe and the Endpoints
 * take seconds to drop a replica (what --shutdown-delay covers); here a tenth of one.
 */
const PROBE_MS = 100;

/** A replica not ready by then has failed to start. */
const READY_WITHIN_MS = 60_000;

export interface ServiceProxy {
  readonly port: number;
  /** Probes the replica on `port` and sends it new connections while /readyz says 200. */
  add(port: number): void;
  /** Stops probing the replica; its open connections go on until either side closes them. */
  remove(port: number): void;
  /** Resolves once the replica on `port` gets new connections. */
  whenReady(port: number): Promise<void>;
  stop(): Promise<void>;
}

interface Replica {
  ready: boolean;
  readonly probing: AbortController;
}

function readyz(port: number, ca: Buffer): Promise<boolean> {
  return new Promise(resolve => {
    const request = https.get(
      { host: "127.0.0.1", port, path: "/readyz", ca, agent: false, timeout: PROBE_MS * 5 },
      response => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(false));
  });
}

/**
 * Pipes a client to a replica as kube-proxy's NAT does: bytes both ways, and an end or a failure
 * of one side ends the other, so a client whose replica dropped its connection sees it dropped.
 * (Node 20's resetAndDestroy() would pass a reset on as a reset, but one such socket kept the
 * bench from exiting.)
 */
function splice(client: Socket, replica: Socket): void {
  for (const [from, to] of [
    [client, replica],
    [replica, client],
  ] as const) {
    from.pipe(to);
    from.on("error", () => to.destroy());
    from.on("close", hadError => (hadError ? to.destroy() : to.end()));
  }
}

export async function startServiceProxy(ca: Buffer): Promise<ServiceProxy> {
  const replicas = new Map<number, Replica>();
  const sockets = new Set<Socket>();
  let next = 0;
  const server = createServer(client => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    const ready = [...replicas].filter(([, replica]) => replica.ready).map(([port]) => port);
    const port = ready[next++ % Math.max(ready.length, 1)];
    if (port === undefined) {
      client.destroy();
      return;
    }
    const replica = connect({ host: "127.0.0.1", port });
    sockets.add(replica);
    replica.once("close", () => sockets.delete(replica));
    splice(client, replica);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("the proxy has no port");

  async function probe(port: number, replica: Replica): Promise<void> {
    while (!replica.probing.signal.aborted) {
      replica.ready = await readyz(port, ca);
      await sleep(PROBE_MS, undefined, { signal: replica.probing.signal }).catch(() => undefined);
    }
  }

  function remove(port: number): void {
    replicas.get(port)?.probing.abort();
    replicas.delete(port);
  }

  return {
    port: address.port,
    add(port) {
      const replica: Replica = { ready: false, probing: new AbortController() };
      replicas.set(port, replica);
      void probe(port, replica);
    },
    remove,
    async whenReady(port) {
      for (let waited = 0; replicas.get(port)?.ready !== true; waited += PROBE_MS) {
        if (waited > READY_WITHIN_MS)
          throw new Error(`the replica on port ${port} never got ready`);
        await sleep(PROBE_MS);
      }
    },
    async stop() {
      for (const port of [...replicas.keys()]) remove(port);
      for (const socket of sockets) socket.destroy();
      await new Promise(resolve => server.close(resolve));
    },
  };
}
