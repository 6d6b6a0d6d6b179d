// One HTTPS request to a webhook started on 127.0.0.1, with the serial of the certificate it served.

import { request as httpsRequest, type Agent } from "node:https";
import type { TLSSocket } from "node:tls";

export interface Reply {
  status: number;
  body: string;
  serial: string;
}

export function call(
  port: number,
  agent: Agent,
  method: string,
  path: string,
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent,
        headers: body === undefined ? {} : { "content-type": "application/json" },
      },
      res => {
        // Read now: with keep-alive the socket goes back to the pool once the body ends.
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, serial }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
