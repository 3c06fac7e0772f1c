import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

/** A free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function until(what: string, ready: () => Promise<boolean>, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await ready())) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited before it was ready`);
    if (Date.now() > deadline) throw new Error(`${what} was never ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ends `child` with `signal` and waits for it to be gone. */
async function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** A SurrealDB server in memory (tools/surreal, built by scripts/tools.sh --surreal). */
export class SurrealServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly password: string,
  ) {}

  static async start(): Promise<SurrealServer> {
    const bin = process.env.CORRAL_SURREAL_BIN ?? path.join(homedir(), '.cache/corral/surreal/bin/surreal');
    const port = await freePort();
    const password = `pw${Math.random().toString(36).slice(2)}${Date.now()}`;
    const child = spawn(
      bin,
      ['start', '--no-banner', '--log', 'warn', '--bind', `127.0.0.1:${port}`, '--user', 'root', '--pass', password, 'memory'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const listening = () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
    await until('the SurrealDB server', listening, child);
    return new SurrealServer(child, `ws://127.0.0.1:${port}`, password);
  }

  async stop(): Promise<void> {
    await end(this.child, 'SIGTERM');
  }
}

/** A `corral` process (the binary the suite tests) on `database`, with its own data folder. */
export class CorralProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly dataDir: string,
  ) {}

  static async start(database: SurrealServer, extra: string[] = []): Promise<CorralProcess> {
    const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(homedir(), '.cache/corral/target');
    const bin = process.env.CORRAL_BIN ?? path.join(targetDir, 'debug/corral');
    const siteRoot = process.env.LEPTOS_SITE_ROOT ?? path.resolve(__dirname, '../../target/site');
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'corral-e2e-process-'));
    const child = spawn(
      bin,
      [
        '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--log', 'warn',
        '--database-url', database.url, '--database-user', 'root',
        '--database-namespace', 'corral', '--database-name', 'processes',
        ...extra,
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          ...process.env,
          CORRAL_DATABASE_PASSWORD: database.password,
          LEPTOS_SITE_ROOT: siteRoot,
          LEPTOS_SITE_PKG_DIR: 'pkg',
          LEPTOS_OUTPUT_NAME: 'corral',
          LEPTOS_ENV: 'PROD',
        },
      },
    );
    const url = `http://127.0.0.1:${port}`;
    const healthy = async () => {
      try {
        return (await fetch(`${url}/healthz`)).ok;
      } catch {
        return false;
      }
    };
    await until('corral', healthy, child);
    return new CorralProcess(child, url, dataDir);
  }

  /** SIGKILL: gone at once, nothing runs on the way out (a crash, the OOM killer). */
  async kill9(): Promise<void> {
    await end(this.child, 'SIGKILL');
  }

  async stop(): Promise<void> {
    await end(this.child, 'SIGTERM');
  }
}
