// An HTTP proxy in front of a test registry: counts requests and can misbehave on purpose (hang, delay, garble, redirect).

import http from "node:http";

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
}

/** What to do with a matching request instead of forwarding it. */
export type Fault =
  | { readonly kind: "hang" }
  | { readonly kind: "delay"; readonly ms: number }
  | { readonly kind: "status"; readonly status: number; readonly headers?: Record<string, string> }
  | { readonly kind: "body"; readonly body: string; readonly headers: Record<string, string> };

export interface CountingProxy {
  readonly host: string;
  readonly seen: SeenRequest[];
  /** Requests held by a "hang" fault that have not been answered yet. */
  pending(): number;
  count(method: string, pathPart: string): number;
  setFault(matches: ((request: SeenRequest) => boolean) | null, fault?: Fault): void;
  reset(): void;
  stop(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const seen: SeenRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  let fault: { matches: (r: SeenRequest) => boolean; fault: Fault } | null = null;
  const server = http.createServer((req, res) => {
    const entry: SeenRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      authorization: req.headers.authorization ?? null,
    };
    seen.push(entry);
    if (fault !== null && fault.matches(entry)) {
      const f = fault.fault;
      if (f.kind === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      if (f.kind === "delay") {
        setTimeout(() => forward(req, res), f.ms);
        return;
      }
      if (f.kind === "status") {
        res.writeHead(f.status, f.headers ?? {}).end();
        return;
      }
      res.writeHead(200, f.headers).end(f.body);
      return;
    }
    forward(req, res);
  });
  const forward = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const upstream = http.request(
      {
        host: target.split(":")[0],
        port: Number(target.split(":")[1]),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target },
      },
      response => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  };
  await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    seen,
    pending: () => hanging.size,
    count: (method, pathPart) =>
      seen.filter(r => r.method === method && r.path.includes(pathPart)).length,
    setFault(matches, f) {
      fault = matches === null || f === undefined ? null : { matches, fault: f };
    },
    reset() {
      seen.length = 0;
      fault = null;
    },
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    },
  };
}
