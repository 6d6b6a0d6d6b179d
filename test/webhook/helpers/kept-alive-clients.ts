// Clients of the started webhook that hold connections open: reviewers on kept-alive connections, and raw TLS or TCP sockets that stall.

import { once } from "node:events";
import { Agent, request } from "node:https";
import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls, type TLSSocket } from "node:tls";

/** What one reviewer saw, from its first review until it stopped. */
export interface LaneResult {
  readonly statuses: readonly number[];
  /** The server's last answer asked it to close its connection (`Connection: close`). */
  readonly toldToClose: boolean;
  /** Set when a review got no answer (reset, hang-up): a review the API server would lose. */
  readonly failure: string | null;
}

interface Answer {
  readonly status: number;
  readonly connection: string | undefined;
}

function post(port: number, agent: Agent, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/mutate",
        agent,
        headers: { "content-type": "application/json" },
      },
      response => {
        response.resume();
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
        );
        response.on("error", reject);
      },
    );
    sent.on("error", reject);
    sent.end(body);
  });
}

/**
 * Sends `body` back to back over one kept-alive connection, as the API server does with each of
 * its pooled connections, until an answer says `Connection: close` (a client then opens its next
 * connection through the Service, to another replica) or a review fails. `onAnswer` runs after
 * each answer.
 */
export async function reviewUntilClosed(
  port: number,
  ca: Buffer,
  body: string,
  onAnswer: () => void = () => undefined,
): Promise<LaneResult> {
  const agent = new Agent({ ca, keepAlive: true, maxSockets: 1 });
  const statuses: number[] = [];
  try {
    for (;;) {
      const answer = await post(port, agent, body);
      statuses.push(answer.status);
      onAnswer();
      if (answer.connection === "close") return { statuses, toldToClose: true, failure: null };
    }
  } catch (error) {
    return { statuses, toldToClose: false, failure: String(error) };
  } finally {
    agent.destroy();
  }
}

/** A socket held open by a test, with everything it received and a promise of its end. */
export interface HeldSocket<S extends Socket> {
  readonly socket: S;
  received(): string;
  /** Resolves once the server has closed or reset the connection. */
  readonly closed: Promise<void>;
}

function hold<S extends Socket>(socket: S): HeldSocket<S> {
  let text = "";
  // Read, or the socket never sees the server's end of the connection.
  socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
  // A reset is one way the server ends a connection: the outcome, not a failure of the test.
  socket.on("error", () => undefined);
  const closed = once(socket, "close").then(() => undefined);
  return { socket, received: () => text, closed };
}

/** A TLS connection that completed its handshake and has sent nothing yet. */
export async function openTls(port: number, ca: Buffer): Promise<HeldSocket<TLSSocket>> {
  const held = hold(connectTls({ host: "127.0.0.1", port, ca }));
  const ended = held.closed.then(() => "closed");
  const outcome = await Promise.race([
    once(held.socket, "secureConnect").then(
      () => null,
      (error: unknown) => String(error),
    ),
    ended,
  ]);
  if (outcome !== null)
    throw new Error(`the server ended the connection during the TLS handshake (${outcome})`);
  return held;
}

/** A TCP connection that never starts its TLS handshake. */
export async function openSilentTcp(port: number): Promise<HeldSocket<Socket>> {
  const held = hold(connectTcp({ host: "127.0.0.1", port }));
  await once(held.socket, "connect");
  return held;
}
