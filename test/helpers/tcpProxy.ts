import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every open connection and refuses new ones: the server behind is gone, as far as a client can tell. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy to `target`: a real outage between a client and its server, and the end of it. */
export function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(target);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        cut: () => {
          refusing = true;
          sockets.forEach((socket) => socket.destroy());
        },
        restore: () => (refusing = false),
        close: () => {
          refusing = true;
          sockets.forEach((socket) => socket.destroy());
          return new Promise((done) => server.close(() => done()));
        },
      }),
    ),
  );
}
