/**
 * A mail server run as a child process for local runs and tests: it dies with this process, stops by
 * its pid (SIGTERM, then SIGKILL after 3 s) and takes its temp folder with it, and is ready once its
 * ports accept connections on 127.0.0.1.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';

export interface Supervised {
  stop(): Promise<void>;
  /** Resolves once every port accepts; throws with `why()` if the server exits or takes longer than `timeoutMs`. */
  ready(ports: number[], timeoutMs: number, why: () => string): Promise<void>;
}

export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function supervise(name: string, child: ChildProcess, dir: string): Supervised {
  let exited = false;
  // If this process ends without stop() (a crash, a killed run), take the server with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => {
    exited = true;
    process.removeListener('exit', killOnExit);
  });

  const stop = async () => {
    if (!exited && child.pid) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const ready = async (ports: number[], timeoutMs: number, why: () => string) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) {
        const text = why();
        await stop();
        throw new Error(`${name} exited while starting: ${text}`);
      }
      if ((await Promise.all(ports.map(accepts))).every(Boolean)) return;
      if (Date.now() > deadline) {
        const text = why();
        await stop();
        throw new Error(`${name} did not start within ${timeoutMs / 1000} s: ${text}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { stop, ready };
}
