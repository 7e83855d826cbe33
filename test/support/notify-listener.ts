// A real sd_notify socket for tests, served by test/support/notify_listener.py (python3).
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

export class NotifyListener {
  readonly messages: string[] = [];
  private constructor(private readonly proc: ChildProcess) {}

  static async bind(path: string): Promise<NotifyListener> {
    const script = fileURLToPath(new URL("./notify_listener.py", import.meta.url));
    const proc = spawn("python3", [script, path], { stdio: ["ignore", "pipe", "inherit"] });
    const listener = new NotifyListener(proc);
    await new Promise<void>((resolve, reject) => {
      proc.once("error", (err) => reject(new Error(`python3 is needed for the sd_notify listener: ${err.message}`)));
      proc.once("exit", (code) => reject(new Error(`the sd_notify listener exited (${code}) before binding ${path}`)));
      createInterface({ input: proc.stdout! }).on("line", (line) => {
        const msg = JSON.parse(line) as string;
        if (msg === "listening") resolve();
        else listener.messages.push(msg.trim());
      });
    });
    return listener;
  }

  close(): void {
    this.proc.kill("SIGKILL");
  }
}
