/**
 * A slow responder on loopback, for the rule "no first byte before the timeout is hosting; a
 * body that does not finish in time is the responder's own failure". Unlike the hostile
 * server's `trickle` (which drips the response head too), `trickle-body` sends the status
 * line and headers at once, with the body's full `content-length`, and then drips the body:
 * the client has a response within milliseconds and its body never finishes in time.
 * `stall-body` sends the headers and then nothing. `silent` accepts the connection, reads the
 * request and never sends a byte.
 *
 * Every drip stops by itself when the client goes, the body is out, or `maxStreamMs` passes;
 * `close()` ends every socket and timer at once.
 */
import net from 'node:net';
import { onRequestHead } from './hostile-server.ts';

export type TrickleMode = 'trickle-body' | 'stall-body' | 'silent';

export interface TrickleServerOptions {
  mode: TrickleMode;
  /** The body to send, built per request (so timestamps are fresh). Default: a small JSON object. */
  body?: () => string;
  /** `trickle-body`: one byte every this many ms. Default 100. */
  trickleMs?: number;
  /** Hard stop for a drip, so no loop outlives a forgotten client. Default 30 s. */
  maxStreamMs?: number;
}

export interface TrickleServer {
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  /** Requests read, as `METHOD path`. */
  requests(): string[];
  /** Connections open now. */
  openConnections(): number;
  close(): Promise<void>;
}

const CRLF = '\r\n';

export async function startTrickleServer(options: TrickleServerOptions): Promise<TrickleServer> {
  const body = options.body ?? (() => '{"status":"ok"}');
  const trickleMs = options.trickleMs ?? 100;
  const maxStreamMs = options.maxStreamMs ?? 30_000;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: string[] = [];

  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const answer = (socket: net.Socket) => {
    if (options.mode === 'silent') return;
    const bytes = Buffer.from(body(), 'utf8');
    socket.write(
      `HTTP/1.1 200 OK${CRLF}content-type: application/json${CRLF}content-length: ${bytes.length}${CRLF}connection: close${CRLF}${CRLF}`,
    );
    if (options.mode === 'stall-body') return;
    const deadline = Date.now() + maxStreamMs;
    let i = 0;
    const drip = () => {
      if (socket.destroyed) return;
      if (i >= bytes.length || Date.now() > deadline) return void socket.end();
      socket.write(bytes.subarray(i, i + 1));
      i += 1;
      later(drip, trickleMs);
    };
    later(drip, trickleMs);
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onRequestHead(socket, (method, target) => {
      requests.push(`${method} ${target}`);
      answer(socket);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests: () => [...requests],
    openConnections: () => sockets.size,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
