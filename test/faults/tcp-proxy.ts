/**
 * A TCP proxy on 127.0.0.1 with a stable port, for fault injection between a client and a real server:
 * - `setTarget(port)` points new connections at another upstream (an adapter restarted on a new port);
 * - `cutAll()` destroys every open connection at once (a crash, as the client sees it);
 * - `down(true)` refuses new connections until `down(false)` (the service is away);
 * - `armCut(rule)` cuts the connection once, when the client sends a command matching `trigger`:
 *   before forwarding it, or after forwarding it and letting `afterServerBytes` bytes of the answer through
 *   (so the server may have done the work while the client never hears of it).
 */
import net from 'node:net';

export interface CutRule {
  /** Matched against client → server bytes (latin1). */
  trigger: RegExp;
  /** Forward the triggering data to the server before cutting (default true). */
  forward?: boolean;
  /** Server → client bytes let through after the trigger before the cut (default 0). */
  afterServerBytes?: number;
  /** Called when the cut happens. */
  onCut?: () => void;
}

export interface TcpProxy {
  port: number;
  setTarget(port: number): void;
  cutAll(): void;
  down(isDown: boolean): void;
  armCut(rule: CutRule | undefined): void;
  /** Connections cut by a rule or cutAll. */
  cuts: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let isDown = false;
  let rule: CutRule | undefined;
  const open = new Set<net.Socket>();
  const state = { cuts: 0 };

  const server = net.createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: target });
    open.add(client);
    open.add(upstream);
    let budget: number | undefined; // server bytes left before the armed cut
    let active: CutRule | undefined;
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    const cut = () => {
      state.cuts++;
      active?.onCut?.();
      kill();
    };
    client.on('close', () => {
      open.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('data', (chunk: Buffer) => {
      if (!active && rule && rule.trigger.test(chunk.toString('latin1'))) {
        active = rule;
        rule = undefined; // one shot
        if (active.forward === false) return cut();
        budget = active.afterServerBytes ?? 0;
        upstream.write(chunk);
        if (budget === 0) setImmediate(cut);
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (budget === undefined) {
        client.write(chunk);
        return;
      }
      if (chunk.length < budget) {
        budget -= chunk.length;
        client.write(chunk);
        return;
      }
      client.write(chunk.subarray(0, budget), () => cut());
      budget = 0;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    setTarget: (p) => (target = p),
    cutAll() {
      for (const s of open) s.destroy();
      state.cuts++;
    },
    down: (d) => (isDown = d),
    armCut: (r) => (rule = r),
    get cuts() {
      return state.cuts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
