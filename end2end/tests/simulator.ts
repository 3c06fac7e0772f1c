import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { request as httpsRequest } from 'node:https';
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
  ssh_host_public_keys: Record<string, string>;
  /** The certificate authority the nodes' certificates are issued by. */
  ca_pem: string;
};

/** A simulated cluster in its own process, so that a test can take it offline by ending it. */
export class SimulatedCluster {
  private constructor(
    private readonly process: ChildProcess,
    private readonly ready: ReadyLine,
  ) {}

  /** Starts `pve-sim` (built by `cargo test`) and waits for its ready line. */
  /** A fresh key pair for `ssh()`: the arguments that authorize it, and its folder. */
  static withSshKey(): { args: string[]; keyDir: string } {
    const keyDir = mkdtempSync(path.join(tmpdir(), 'pve-sim-key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keyDir, 'key')]);
    return { args: ['--authorized-key-file', path.join(keyDir, 'key.pub')], keyDir };
  }

  private keyDir?: string;

  static async start(args: string[], keyDir?: string): Promise<SimulatedCluster> {
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
    const cluster = new SimulatedCluster(child, JSON.parse(line) as ReadyLine);
    cluster.keyDir = keyDir;
    return cluster;
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

  /**
   * Runs `command` on `node` as root over the real OpenSSH client, the host key pinned
   * from the ready line (start the cluster with `withSshKey()`'s arguments); its output.
   */
  ssh(node: string, command: string): string {
    if (!this.keyDir) throw new Error('start the cluster with SimulatedCluster.withSshKey()');
    const address = this.ready.ssh_nodes[node];
    const port = address.slice(address.lastIndexOf(':') + 1);
    const host = address.slice(0, address.lastIndexOf(':'));
    const knownHosts = path.join(this.keyDir, 'known_hosts');
    writeFileSync(knownHosts, `[${host}]:${port} ${this.ready.ssh_host_public_keys[node]}\n`);
    return execFileSync('ssh', [
      '-F', '/dev/null', '-i', path.join(this.keyDir, 'key'), '-p', port,
      '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'LogLevel=ERROR',
      `root@${host}`, command,
    ]).toString();
  }

  /**
   * Calls the Proxmox API of `node` as another client would (the Proxmox web UI, a
   * script), with the cluster's token, verifying the node's certificate against the
   * cluster's CA; the answer's `data`.
   */
  async proxmox(node: string, method: 'GET' | 'POST', apiPath: string): Promise<unknown> {
    const api = new URL(this.ready.node_apis[node]);
    const body = await new Promise<string>((resolve, reject) => {
      const request = httpsRequest(
        {
          host: api.hostname,
          port: api.port,
          method,
          path: `/api2/json${apiPath}`,
          ca: this.ready.ca_pem,
          headers: { Authorization: `PVEAPIToken=${this.ready.token_id}=${this.ready.token_secret}` },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () =>
            (response.statusCode ?? 500) < 300 ? resolve(text) : reject(new Error(`${response.statusCode} ${text}`)),
          );
        },
      );
      request.once('error', reject);
      request.end();
    });
    return (JSON.parse(body) as { data: unknown }).data;
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
