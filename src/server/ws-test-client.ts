/**
 * A WebSocket client for the server's tests (the `ws` package: Node 20 has no global WebSocket): acks are
 * read in order, and a refused upgrade rejects with its HTTP status and error body.
 */
import { WebSocket } from "ws";

// biome-ignore lint/suspicious/noExplicitAny: tests index into acks of many shapes
export type Ack = any;

/** A WebSocket client on `url` whose acks are read in order; rejects with the HTTP status of a refused upgrade. */
export async function connect(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ send(text: string): Promise<Ack>; socket: WebSocket }> {
  const socket = new WebSocket(url, { headers });
  const queued: Ack[] = [];
  const waiting: Array<(ack: Ack) => void> = [];
  socket.on("message", (data) => {
    const ack = JSON.parse(String(data));
    const next = waiting.shift();
    if (next !== undefined) next(ack);
    else queued.push(ack);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("unexpected-response", (_request, response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => {
        text += chunk;
      });
      response.on("end", () => {
        reject(Object.assign(new Error("refused"), { status: response.statusCode, body: JSON.parse(text) }));
      });
    });
    socket.once("error", reject);
  });
  return {
    socket,
    send(text: string) {
      socket.send(text);
      return new Promise<Ack>((resolve) => {
        const ack = queued.shift();
        if (ack !== undefined) resolve(ack);
        else waiting.push(resolve);
      });
    },
  };
}
