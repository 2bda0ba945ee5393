/**
 * The load balancer in front of the nodes: plain HTTP in, HTTPS to the nodes round robin
 * (backend certificates not verified, as hosting load balancers commonly do). Like nginx's
 * `proxy_next_upstream error`, it tries the next node when one refuses or resets the
 * connection. Its own error pages look like nginx's, so a gateway answer is recognisable.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { readBody } from './http-util.ts';
import { LB_MARK_HEADER, type World } from './world.ts';

export const GATEWAY_STATUS_TEXT: Record<number, string> = {
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/** nginx's built-in error page. */
export function nginxErrorPage(status: number): string {
  const title = `${status} ${GATEWAY_STATUS_TEXT[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

function sendGatewayError(res: ServerResponse, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = nginxErrorPage(status);
  res.writeHead(status, { server: 'nginx', 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-authenticate']);
/** Connection errors after which another node may be tried (nothing reached the application). */
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH']);
const UPSTREAM_TIMEOUT_MS = 60_000;

export interface Backend {
  name: string;
  host: string;
  /** The node's port (stable across node-down and back). */
  port: number;
}

export interface LoadBalancer {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Destroys connections held open by `lb-hang`. */
  releaseHung(): void;
  /** Releases hung connections and the pooled connections to the nodes. */
  close(): void;
}

function forwardHeaders(headers: IncomingHttpHeaders, token: string, bodyLength: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'content-length') out[k] = v;
  if (bodyLength > 0) out['content-length'] = String(bodyLength);
  out[LB_MARK_HEADER] = token;
  return out;
}

export function createLoadBalancer(world: World, backends: readonly Backend[]): LoadBalancer {
  let next = 0;
  const hung = new Set<Socket>();
  // Pooled connections to the nodes; a node that goes down destroys its end, and a request
  // that meets a connection closed under it is retried on the next node.
  const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 64 });

  /** One attempt: resolves 'retry' when the node could not be reached, otherwise after answering. */
  function attempt(backend: Backend, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<'done' | 'retry'> {
    return new Promise((resolve) => {
      const upstream = https.request({
        host: backend.host,
        port: backend.port,
        method: req.method,
        path: req.url,
        headers: forwardHeaders(req.headers, world.lbToken, body.length),
        servername: `${backend.name}.${world.domain}`,
        rejectUnauthorized: false,
        agent,
      });
      let answered = false;
      upstream.setTimeout(UPSTREAM_TIMEOUT_MS, () => {
        upstream.destroy();
        if (!answered) {
          answered = true;
          sendGatewayError(res, 504);
          resolve('done');
        }
      });
      upstream.on('response', (up) => {
        answered = true;
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
        up.on('error', () => res.destroy());
        up.on('aborted', () => res.destroy());
        up.on('end', () => resolve('done'));
        res.on('close', () => {
          if (!up.complete) upstream.destroy();
          resolve('done');
        });
      });
      upstream.on('error', (err: NodeJS.ErrnoException) => {
        if (answered) return;
        answered = true;
        resolve(RETRYABLE.has(err.code ?? '') || /socket hang up|disconnected before secure TLS/.test(err.message) ? 'retry' : (sendGatewayError(res, 502), 'done'));
      });
      res.on('close', () => {
        if (!answered) upstream.destroy();
      });
      upstream.end(body);
    });
  }

  function releaseHung(): void {
    for (const s of hung) s.destroy();
    hung.clear();
  }

  async function proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, 1024 * 1024);
    } catch {
      if (!res.headersSent) sendGatewayError(res, 502);
      return;
    }
    // Each node may be tried twice: a node resets one connection under `transient`.
    const tries = backends.length * 2;
    const start = next;
    next = (next + 1) % Math.max(1, backends.length);
    for (let i = 0; i < tries; i++) {
      if (res.destroyed) return;
      const backend = backends[(start + i) % backends.length];
      if (!backend) break;
      if ((await attempt(backend, req, res, body)) === 'done') return;
    }
    sendGatewayError(res, 502);
  }

  return {
    handle(req, res) {
      world.record(req);
      if (world.faults.has('lb-hang')) {
        // Keep the connection, say nothing. Released on clear or close.
        const socket = req.socket;
        hung.add(socket);
        socket.once('close', () => hung.delete(socket));
        req.resume();
        return;
      }
      for (const status of [502, 503, 504] as const) {
        if (world.faults.has(`lb-${status}`)) {
          req.resume();
          return sendGatewayError(res, status);
        }
      }
      void proxy(req, res);
    },
    releaseHung,
    close() {
      releaseHung();
      agent.destroy();
    },
  };
}
