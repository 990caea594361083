/**
 * A TCP proxy on loopback in front of a real server (PostgreSQL, Temporal), to take the server
 * away from one client and bring it back: `cut()` closes the port and every connection (clients
 * see ECONNREFUSED / UNAVAILABLE), `restore()` listens again on the same port. `listenHost` puts it
 * on another local address than loopback (a veth's end, test/support/netHosts.ts).
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(
  targetHost: string,
  targetPort: number,
  listenHost = '127.0.0.1',
): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const makeServer = () =>
    net.createServer((client) => {
      const upstream = net.connect(targetPort, targetHost);
      track(client);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
  let server: net.Server | undefined = makeServer();
  await new Promise<void>((resolve) => server!.listen(0, listenHost, resolve));
  const port = (server.address() as net.AddressInfo).port;

  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  return {
    port,
    cut,
    restore: async () => {
      if (server) return;
      server = makeServer();
      await new Promise<void>((resolve) => server!.listen(port, listenHost, resolve));
    },
    close: cut,
  };
}

/** A port that accepts connections and never answers a byte: a hung server. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
