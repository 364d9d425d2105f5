/** Benchmarks' helper processes (mock upstream, proxies, other gateways): start one, wait for its ready line. */
import { spawn, type ChildProcess } from "node:child_process";

export function startProcess(cmd: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<{ proc: ChildProcess; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd[0]!, cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) resolve({ proc, match: m });
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`${cmd.join(" ")} exited ${code}: ${out}`)));
    setTimeout(() => reject(new Error(`${cmd.join(" ")} did not start: ${out}`)), 30_000).unref();
  });
}
