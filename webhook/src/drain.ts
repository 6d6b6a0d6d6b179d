// Stops the HTTPS server without dropping a review: kept-alive clients are told to go, reviews in flight are answered, stalled clients are cut at a deadline.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface Drain {
  /** Connections open now, TLS handshakes under way included. */
  open(): number;
  /**
   * From now on every answer closes its connection (`Connection: close`), so a kept-alive client
   * sends its next review over a new connection, to a replica that is still ready. The server
   * keeps accepting: until the Endpoints drop this pod, new connections still arrive.
   */
  begin(): void;
  /**
   * Stops accepting and waits until every connection has closed, or `deadlineMs` has passed;
   * then cuts the ones left. Resolves with how many were cut.
   */
  finish(deadlineMs: number): Promise<number>;
}

/** How often connections that went idle after an answer sent before begin() are closed. */
const SWEEP_MS = 50;

/** Call before the server listens, so that every connection is counted. */
export function drainable(server: HttpsServer): Drain {
  // Raw TCP sockets, from accept on: one stalled inside the TLS handshake is not yet an HTTP
  // connection, and closeAllConnections() would not see it, yet it holds close() open.
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  let draining = false;
  // Answers not yet sent, by connection: a review that came before begin() must say so too, or
  // its client keeps the connection and sends its next review on it as the server closes. Kept
  // by connection because an answer queued behind a pipelined one never closes itself when the
  // client leaves first; the connection's close drops them all.
  const unanswered = new Map<Socket, Set<ServerResponse>>();
  const track = (socket: Socket): Set<ServerResponse> => {
    const responses = new Set<ServerResponse>();
    unanswered.set(socket, responses);
    socket.once("close", () => unanswered.delete(socket));
    return responses;
  };
  // Ahead of Fastify's listener, so the header is there even when Fastify answers at once.
  server.prependListener("request", (request: IncomingMessage, response: ServerResponse) => {
    if (draining) {
      response.setHeader("connection", "close");
      return;
    }
    const responses = unanswered.get(request.socket) ?? track(request.socket);
    responses.add(response);
    response.once("close", () => responses.delete(response));
  });
  return {
    open: () => sockets.size,
    begin() {
      draining = true;
      for (const responses of unanswered.values()) {
        for (const response of responses)
          if (!response.headersSent) response.setHeader("connection", "close");
      }
      unanswered.clear();
    },
    async finish(deadlineMs) {
      // close() also ends the connections idle now. Those busy with a review close once they
      // have sent its answer, which says so; only an answer begun before begin() leaves its
      // connection open and idle, hence the sweep.
      const closed = new Promise<void>(resolve => server.close(() => resolve()));
      const sweeper = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
      const deadline = new AbortController();
      const outcome = await Promise.race([
        closed.then(() => "closed" as const),
        sleep(deadlineMs, "deadline" as const, { signal: deadline.signal }),
      ]);
      deadline.abort();
      clearInterval(sweeper);
      if (outcome === "closed") return 0;
      const cut = sockets.size;
      for (const socket of sockets) socket.destroy();
      await closed;
      return cut;
    },
  };
}
