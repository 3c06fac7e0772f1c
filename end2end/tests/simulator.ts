import { spawn, type ChildProcess } from 'node:child_process';
import { homedir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { NodeDetails } from './helpers';

/** What `pve-sim` prints once it is ready (see crates/pve-sim/src/main.rs). */
type ReadyLine = {
  nodes: string[];
  node_apis: Record<string, string>;
  ssh_nodes: Record<string, string>;
  token_id: string;
  token_secret: string;
  ssh_password: string;
};

/** A simulated cluster in its own process, so that a test can take it offline by ending it. */
export class SimulatedCluster {
  private constructor(
    private readonly process: ChildProcess,
    private readonly ready: ReadyLine,
  ) {}

  /** Starts `pve-sim` (built by `cargo test`) and waits for its ready line. */
  static async start(args: string[]): Promise<SimulatedCluster> {
    const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(homedir(), '.cache/corral/target');
    const bin = process.env.PVE_SIM_BIN ?? path.join(targetDir, 'debug/pve-sim');
    // Instant tasks unless the test asks for another speed.
    const speed = args.includes('--speed') ? [] : ['--speed', 'instant'];
    const child = spawn(bin, [...speed, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', resolve);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`pve-sim exited with ${code} before it was ready`)));
    });
    return new SimulatedCluster(child, JSON.parse(line) as ReadyLine);
  }

  /** The add-node form's values for one of this cluster's nodes. */
  details(node: string): NodeDetails {
    const api = new URL(this.ready.node_apis[node]);
    const ssh = this.ready.ssh_nodes[node];
    return {
      host: api.hostname,
      port: api.port,
      sshPort: ssh.slice(ssh.lastIndexOf(':') + 1),
      tokenId: this.ready.token_id,
      tokenSecret: this.ready.token_secret,
      sshPassword: this.ready.ssh_password,
    };
  }

  /** Ends the process: its nodes stop answering (connection refused). */
  async stop(): Promise<void> {
    // A process ended by a signal has a signalCode and no exitCode.
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    await exited;
  }
}
