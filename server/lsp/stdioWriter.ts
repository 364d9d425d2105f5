/**
 * The language server's stdio transport: JSON-RPC messages framed with their Content-Length
 * header and written to stdout in ONE write. vscode-jsonrpc's stream writer writes the header,
 * awaits it, then writes the body, so the client wakes up twice per message and the server
 * pays two pipe writes; under load that was most of what a keystroke's diagnostics cost over
 * stdio beyond the analysis itself (see test/bench/lsp.ts).
 */
import { format } from "node:util";
import { AbstractMessageWriter, type Connection, type Message, type MessageWriter } from "vscode-languageserver/node";

export class FramedMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly out: NodeJS.WritableStream) {
    super();
    out.on("error", (err: Error) => this.fireError(err));
    out.on("close", () => this.fireClose());
  }

  write(msg: Message): Promise<void> {
    const body = JSON.stringify(msg);
    const length = Buffer.byteLength(body, "utf8");
    const frame = Buffer.allocUnsafe(length + 40);
    const head = frame.write(`Content-Length: ${length}\r\n\r\n`, 0, "ascii");
    frame.write(body, head, "utf8");
    return new Promise((resolve, reject) => {
      // Writes to one stream keep their order, so no lock is needed between messages.
      this.out.write(frame.subarray(0, head + length), (err) => {
        if (!err) return resolve();
        this.fireError(err, msg, ++this.errors);
        reject(err);
      });
    });
  }

  end(): void {
    this.out.end();
  }
}

/**
 * What vscode-languageserver does itself when it owns stdio: console output goes to the
 * client's log, since a stray console.log on stdout would corrupt the message stream.
 */
export function consoleToClient(connection: Connection): void {
  console.log = (...args: unknown[]) => connection.console.log(format(...args));
  console.info = (...args: unknown[]) => connection.console.info(format(...args));
  console.debug = (...args: unknown[]) => connection.console.log(format(...args));
  console.warn = (...args: unknown[]) => connection.console.warn(format(...args));
  console.error = (...args: unknown[]) => connection.console.error(format(...args));
}
