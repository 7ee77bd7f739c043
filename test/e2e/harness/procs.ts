/** Child-process plumbing for the e2e control plane: free ports, logged processes, health waits. */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Last lines of the process log (for failure messages). */
  tail(lines?: number): string;
  stop(timeoutMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export function startProc(name: string, cmd: string, args: readonly string[], logDir: string, env: NodeJS.ProcessEnv = process.env): Proc {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env, detached: false });
  closeSync(fd);
  running.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      running.delete(child);
      resolve(-1);
    });
  });
  const tail = (lines = 30): string => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  return {
    name,
    child,
    logFile,
    tail,
    exited,
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(t);
    },
  };
}

/** GET url until it answers 200 (https without verification for self-signed components). */
export async function waitHealthy(proc: Proc, url: string, timeoutMs: number, ca?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new Error(`${proc.name} exited with code ${proc.child.exitCode} before becoming healthy; log ${proc.logFile}:\n${proc.tail()}`);
    }
    try {
      const status = await getStatus(url, ca);
      if (status.code === 200) return;
      last = `HTTP ${status.code}: ${status.body.slice(0, 200)}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.name} not healthy at ${url} after ${timeoutMs} ms (last: ${last}); log ${proc.logFile}:\n${proc.tail()}`);
}

export function getStatus(url: string, ca?: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { timeout: 2000, ...(url.startsWith('https:') ? (ca ? { ca } : { rejectUnauthorized: false }) : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ code: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
