/**
 * The HTTPS listener for the web layer (web/app.ts): node:https with the server's certificate and
 * TLS floor, hono's request listener, bounded header and request times. close() stops accepting
 * and ends idle keep-alive connections.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { HostPort } from '../lib/net.ts';

export interface WebServerOptions {
  tls: { cert: string | Buffer; key: string | Buffer; minVersion: 'TLSv1.2' | 'TLSv1.3' };
}

export class WebServer {
  private readonly servers: Server[] = [];
  private readonly app: Hono;
  private readonly opts: WebServerOptions;

  constructor(app: Hono, opts: WebServerOptions) {
    this.app = app;
    this.opts = opts;
  }

  async listen(hp: HostPort): Promise<{ address: HostPort }> {
    const server = createServer(
      { cert: this.opts.tls.cert, key: this.opts.tls.key, minVersion: this.opts.tls.minVersion, honorCipherOrder: true, requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024 },
      getRequestListener(this.app.fetch),
    );
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(hp.port, hp.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.push(server);
    const a = server.address() as AddressInfo;
    return { address: { host: hp.host, port: a.port } };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          }),
      ),
    );
  }
}
