/**
 * A hostile target on loopback: an HTTP server that answers in one of the ways a broken or
 * malicious FLP (or something in front of it) could, so the robustness tests can point the
 * probes and the journey at it and check that every run still ends in time, is classified,
 * and stays small in memory.
 *
 * It speaks HTTP/1.1 on a raw socket (so it can trickle single bytes, send invalid UTF-8 and
 * lie about encodings), closes every connection after one answer, and every loop it runs
 * stops by itself: when the client goes, when its byte budget is spent, or after
 * `maxStreamMs`, whichever comes first. `close()` ends every socket and timer at once.
 *
 * Scope `all`: every path gets the hostile answer (the journey's launch hits it). Scope `api`:
 * `/lps/launch` answers the contract's 303 to a small app page whose script fetches the
 * overview API, and only `/api/…`, `/health`, `/sync/…` (and the redirect loop's `/redirect/…`)
 * are hostile (the overview hits it).
 */
import net from 'node:net';
import zlib from 'node:zlib';

export const HOSTILE_MODES = [
  'huge-body',
  'endless-body',
  'trickle',
  'redirect-loop',
  'invalid-utf8',
  'wrong-content-type',
  'gzip-bomb',
] as const;
export type HostileMode = (typeof HOSTILE_MODES)[number];
export type HostileScope = 'all' | 'api';

export interface HostileServerOptions {
  mode: HostileMode;
  scope?: HostileScope;
  /** `huge-body`: bytes sent, chunked, without a length. Default 64 MiB. */
  hugeBytes?: number;
  /** `gzip-bomb`: bytes the body inflates to (a multiple of 1 MiB). Default 2 GiB. */
  bombInflatedBytes?: number;
  /** `trickle`: one byte per this many ms after the first. Default 100. */
  trickleMs?: number;
  /** `endless-body`: a 1 KiB chunk every this many ms. Default 50 (20 KiB/s: never reaches a 1 MiB limit in a few seconds). */
  endlessChunkMs?: number;
  /** Hard stop for any streamed answer, so no loop can outlive a forgotten client. Default 60 s. */
  maxStreamMs?: number;
}

export interface HostileStats {
  /** Requests read, by `METHOD path`. */
  requests: string[];
  /** Body and header bytes written to clients. */
  bytesWritten: number;
  /** Connections open now. */
  openConnections: number;
}

export interface HostileServer {
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  readonly mode: HostileMode;
  readonly scope: HostileScope;
  /** Switches the answer for the next requests. */
  set(mode: HostileMode, scope?: HostileScope): void;
  stats(): HostileStats;
  resetStats(): void;
  /** The compressed gzip bomb, for tests that want to look at it. */
  gzipBomb(): Buffer;
  close(): Promise<void>;
}

const MIB = 1024 * 1024;
const CRLF = '\r\n';

/**
 * A valid JSON object that has both the contract's health shape and its sync-status shape, so
 * that the only thing wrong with it in `invalid-utf8` mode is its bytes: the node name and the
 * source carry byte sequences that are not UTF-8 (a lone 0xFF, a truncated 2-byte sequence).
 */
function statusJson(badBytes: boolean): Buffer {
  const parts: (string | Buffer)[] = [
    `{"status":"ok","version":"2026.4.1","node":"flp-`,
    badBytes ? Buffer.from([0xff, 0xfe]) : '',
    `1","db":"ok","source":"lab`,
    badBytes ? Buffer.from([0xc3, 0x28]) : '',
    `","state":"ok","lastSuccessfulSync":"${new Date().toISOString()}","records":1,"error":null}`,
  ];
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}

const HTML_WELCOME = Buffer.from(
  '<!doctype html><html><head><title>Welcome</title></head><body><h1>It works!</h1><p>This is the default web page of this server.</p></body></html>',
);

/** The app page for scope `api`: like FLP's, it shows its error panel when the overview API fails or answers something it cannot use. */
function appPage(): Buffer {
  return Buffer.from(`<!doctype html>
<html><head><meta charset="utf-8"><title>Forløbsplan</title><link rel="icon" href="data:,"></head>
<body><main id="app">Henter forløbsplan…</main>
<script>
(async () => {
  const app = document.getElementById('app');
  const cpr = location.pathname.split('/').pop();
  const clinic = new URLSearchParams(location.search).get('clinic');
  try {
    const r = await fetch('/api/patients/' + cpr + '/overview?clinic=' + clinic, { headers: { accept: 'application/json' } });
    if (!r.ok) throw new Error('the overview answered ' + r.status);
    const data = await r.json();
    if (!data || typeof data !== 'object' || !data.patient) throw new Error('the overview answered something else than a patient overview');
    app.innerHTML = '<section data-testid="forloebsplan"><h1 data-testid="patient-header"></h1></section>';
  } catch (e) {
    const panel = document.createElement('div');
    panel.setAttribute('data-testid', 'app-error');
    panel.textContent = 'Forløbsplanen kunne ikke hentes: ' + (e && e.message ? e.message : String(e));
    app.replaceChildren(panel);
  }
})();
</script></body></html>`);
}

// ---- gzip bomb: deflate blocks of zeros repeat byte for byte once the window is all zeros ----

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// zlib's crc32_combine: the CRC of A||B from crc(A), crc(B) and len(B), by GF(2) matrices.
function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i] as number;
  return sum >>> 0;
}
function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n] as number);
}
function crc32Combine(crc1: number, crc2: number, len2: number): number {
  if (len2 <= 0) return crc1;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row >>> 0;
  gf2Square(even, odd);
  gf2Square(odd, even);
  let c = crc1;
  let len = len2;
  do {
    gf2Square(even, odd);
    if (len & 1) c = gf2Times(even, c);
    len = Math.floor(len / 2);
    if (!len) break;
    gf2Square(odd, even);
    if (len & 1) c = gf2Times(odd, c);
    len = Math.floor(len / 2);
  } while (len);
  return (c ^ crc2) >>> 0;
}

/**
 * A real gzip member whose body inflates to `inflated` zero bytes: one 1 MiB deflate segment
 * (full flush, so it is byte-aligned and identical every time) repeated, a final empty block,
 * and a correct CRC-32 and length. About 1 KiB per MiB: 2 GiB in about 2 MiB, built in
 * milliseconds instead of the half minute zlib would take.
 */
export async function buildGzipBomb(inflated: number): Promise<Buffer> {
  if (inflated % MIB !== 0 || inflated <= 0) throw new Error('the bomb inflates to a whole number of MiB');
  const zero = Buffer.alloc(MIB);
  const deflate = zlib.createDeflateRaw({ level: 9 });
  const flushed = () =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const take = (c: Buffer) => chunks.push(c);
      deflate.on('data', take);
      deflate.write(zero);
      deflate.flush(zlib.constants.Z_FULL_FLUSH, () => {
        deflate.off('data', take);
        resolve(Buffer.concat(chunks));
      });
    });
  const first = await flushed();
  // After a full flush over a window of zeros, every further MiB encodes to the same bytes.
  const segment = await flushed();
  deflate.close();
  const count = inflated / MIB;
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
  const finalBlock = Buffer.from([0x03, 0x00]);
  const crcOne = crc32(zero);
  let crc = crcOne;
  for (let i = 1; i < count; i++) crc = crc32Combine(crc, crcOne, MIB);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc, 0);
  trailer.writeUInt32LE(inflated % 2 ** 32, 4);
  return Buffer.concat([header, first, ...Array.from({ length: count - 1 }, () => segment), finalBlock, trailer]);
}

// ---- the server ----

export async function startHostileServer(options: HostileServerOptions): Promise<HostileServer> {
  let mode = options.mode;
  let scope: HostileScope = options.scope ?? 'all';
  const hugeBytes = options.hugeBytes ?? 64 * MIB;
  const bombInflated = options.bombInflatedBytes ?? 2048 * MIB;
  const trickleMs = options.trickleMs ?? 100;
  const endlessChunkMs = options.endlessChunkMs ?? 50;
  const maxStreamMs = options.maxStreamMs ?? 60_000;
  // Built before listening, so the first request is answered at once.
  const bomb = await buildGzipBomb(bombInflated);
  const gzipBomb = () => bomb;

  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let stats: HostileStats = { requests: [], bytesWritten: 0, openConnections: 0 };

  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onRequestHead(socket, (method, target) => {
      stats.requests.push(`${method} ${target}`);
      answer(socket, method, target);
    });
  });

  const write = (socket: net.Socket, data: Buffer | string): boolean => {
    if (socket.destroyed) return false;
    stats.bytesWritten += Buffer.byteLength(data);
    return socket.write(data);
  };

  const headers = (status: string, fields: Record<string, string | number>) =>
    `HTTP/1.1 ${status}${CRLF}${Object.entries({ ...fields, connection: 'close' })
      .map(([k, v]) => `${k}: ${v}`)
      .join(CRLF)}${CRLF}${CRLF}`;

  const whole = (socket: net.Socket, status: string, contentType: string | null, body: Buffer, extra: Record<string, string> = {}) => {
    write(socket, headers(status, { ...(contentType ? { 'content-type': contentType } : {}), 'content-length': body.length, ...extra }));
    write(socket, body);
    socket.end();
  };

  /** Streams chunks (chunked encoding) while the client reads, until `next` returns null, the client goes, or maxStreamMs passes. */
  const stream = (socket: net.Socket, next: () => Buffer | null, everyMs: number) => {
    const deadline = Date.now() + maxStreamMs;
    const pump = () => {
      if (socket.destroyed) return;
      if (Date.now() > deadline) return void socket.destroy();
      for (;;) {
        const chunk = next();
        if (!chunk) {
          write(socket, `0${CRLF}${CRLF}`);
          return void socket.end();
        }
        const more = write(socket, Buffer.concat([Buffer.from(`${chunk.length.toString(16)}${CRLF}`), chunk, Buffer.from(CRLF)]));
        if (everyMs > 0) return void later(pump, everyMs);
        if (!more) return void socket.once('drain', pump);
      }
    };
    pump();
  };

  const hostile = (socket: net.Socket, target: string) => {
    switch (mode) {
      case 'huge-body': {
        write(socket, headers('200 OK', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }));
        const pad = Buffer.alloc(64 * 1024, 'x');
        let sent = 0;
        let opened = false;
        return stream(
          socket,
          () => {
            if (!opened) {
              opened = true;
              return Buffer.from('{"status":"ok","pad":"');
            }
            if (sent >= hugeBytes) return sent++ === hugeBytes ? Buffer.from('"}') : null;
            sent += pad.length;
            return pad;
          },
          0,
        );
      }
      case 'endless-body': {
        write(socket, headers('200 OK', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }));
        const pad = Buffer.alloc(1024, 'x');
        let opened = false;
        return stream(
          socket,
          () => {
            if (opened) return pad;
            opened = true;
            return Buffer.from('{"status":"ok","pad":"');
          },
          endlessChunkMs,
        );
      }
      case 'trickle': {
        const body = statusJson(false);
        const bytes = Buffer.concat([Buffer.from(headers('200 OK', { 'content-type': 'application/json', 'content-length': body.length })), body]);
        let i = 0;
        const deadline = Date.now() + maxStreamMs;
        const drip = () => {
          if (socket.destroyed) return;
          if (i >= bytes.length || Date.now() > deadline) return void socket.end();
          write(socket, bytes.subarray(i, i + 1));
          i += 1;
          later(drip, trickleMs);
        };
        return drip();
      }
      case 'redirect-loop': {
        const hop = Number(/^\/redirect\/(\d+)/.exec(target)?.[1] ?? 0);
        return whole(socket, '302 Found', null, Buffer.alloc(0), { location: `/redirect/${hop + 1}` });
      }
      case 'invalid-utf8':
        return whole(socket, '200 OK', 'application/json; charset=utf-8', statusJson(true));
      case 'wrong-content-type':
        return whole(socket, '200 OK', 'text/html; charset=utf-8', HTML_WELCOME);
      case 'gzip-bomb':
        return whole(socket, '200 OK', 'application/json', gzipBomb(), { 'content-encoding': 'gzip' });
    }
  };

  const answer = (socket: net.Socket, method: string, target: string) => {
    if (scope === 'api') {
      const url = new URL(target, 'http://hostile.invalid');
      if (url.pathname === '/lps/launch') {
        const cpr = url.searchParams.get('cpr') ?? '';
        const clinic = url.searchParams.get('clinic') ?? '';
        return whole(socket, '303 See Other', 'text/plain', Buffer.alloc(0), { location: `/app/patient/${encodeURIComponent(cpr)}?clinic=${encodeURIComponent(clinic)}` });
      }
      if (url.pathname.startsWith('/app/patient/')) return whole(socket, '200 OK', 'text/html; charset=utf-8', appPage());
      if (!/^\/(api\/|health$|sync\/|redirect\/)/.test(url.pathname)) return whole(socket, '404 Not Found', 'text/plain', Buffer.from('not found'));
    }
    void method;
    hostile(socket, target);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    get scope() {
      return scope;
    },
    set(m, s) {
      mode = m;
      if (s) scope = s;
    },
    stats: () => ({ ...stats, requests: [...stats.requests], openConnections: sockets.size }),
    resetStats() {
      stats = { requests: [], bytesWritten: 0, openConnections: 0 };
    },
    gzipBomb,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Reads a raw socket up to the end of the request head and hands over its method and target
 * (a head over 64 KiB closes the socket). For servers that must answer byte by byte, below
 * Node's HTTP server.
 */
export function onRequestHead(socket: net.Socket, onHead: (method: string, target: string) => void): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > 64 * 1024) socket.destroy();
      return;
    }
    socket.off('data', onData);
    const [method = 'GET', target = '/'] = head.subarray(0, end).toString('latin1').split(CRLF)[0]?.split(' ') ?? [];
    onHead(method, target);
  };
  socket.on('data', onData);
}
