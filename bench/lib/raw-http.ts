// The guest client's cheap HTTP/1.1: a plain net.Socket from the guest's source address, a request
// written as one string, the response framed by its Content-Length. node:http's client (parser,
// agent, IncomingMessage, a timer per socket) costs more CPU per request than the servers under test,
// so with it the client core saturates first and a storm measures the client (docs/performance.md).
import { connect, type Socket } from 'node:net';

export interface RawTarget {
  host: string;
  port: number;
  localAddress: string;
  /** Extra header lines, already formatted ("Name: value\r\n" each). */
  headerLines: string;
}

/** Status code, or a description of what went wrong. */
export type RawOutcome = number | string;

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * One connection, opened at construction; `get` sends one request at a time (a request written before
 * the connection is up waits in the socket) and resolves when its response is complete. Timeouts are
 * the caller's: one sweep over everything in flight instead of a timer per socket.
 */
export class RawConnection {
  readonly #socket: Socket;
  readonly #target: RawTarget;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: ((outcome: RawOutcome) => void) | undefined;
  #failure: string | undefined;

  constructor(target: RawTarget) {
    this.#target = target;
    this.#socket = connect({ host: target.host, port: target.port, localAddress: target.localAddress });
    this.#socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#tryComplete();
    });
    this.#socket.on('error', (err: NodeJS.ErrnoException) => this.abort(err.code ?? err.message));
    this.#socket.on('end', () => this.abort('connection closed before the response was complete'));
  }

  get(path: string, close: boolean): Promise<RawOutcome> {
    if (this.#failure !== undefined) return Promise.resolve(this.#failure);
    return new Promise((resolve) => {
      this.#pending = resolve;
      const t = this.#target;
      this.#socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${t.host}:${t.port}\r\n${t.headerLines}${close ? 'Connection: close\r\n' : ''}\r\n`,
      );
    });
  }

  /** Fails the request in flight, if any, and drops the connection. */
  abort(why: string): void {
    this.#failure ??= why;
    this.#settle(this.#failure);
    this.#socket.destroy();
  }

  #settle(outcome: RawOutcome): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.(outcome);
  }

  #tryComplete(): void {
    const headEnd = this.#buffer.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.#buffer.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length === null) {
      this.abort('response without Content-Length');
      return;
    }
    const total = headEnd + HEAD_END.length + Number(length[1]);
    if (this.#buffer.length < total) return;
    this.#buffer = this.#buffer.subarray(total);
    this.#settle(Number(head.slice(9, 12)));
  }
}
