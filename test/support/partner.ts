/**
 * A partner API that answers exactly the bytes a test sets, over loopback HTTP: for inputs the
 * simulator does not make (NaN tokens, UTF-16, lone surrogates). It checks the API key like the
 * real one, counts calls, and can hold its answer or run a hook when a request arrives.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PartnerAnswer {
  body: string | Uint8Array;
  status?: number;
  contentType?: string;
  /** More response headers, sent as given (e.g. a Content-Encoding or Content-Length that lies). */
  headers?: Record<string, string>;
  /** Close the connection once the body is written (a Content-Length beyond the body then shows). */
  closeConnection?: boolean;
  /** Send the headers and this much of the body, then hold the connection open without ending. */
  stallAfterBytes?: number;
  /** Wait this long before answering (the request is in flight meanwhile). */
  delayMs?: number;
  /** Called when a request arrives, before any delay. */
  onRequest?: () => void;
  /** Called once the answer's last byte has been handed to the connection. */
  onSent?: () => void;
}

export interface FixedPartner {
  url: string;
  calls: number;
  answer(answer: PartnerAnswer): void;
  close(): Promise<void>;
}

export async function startFixedPartner(apiKey: string): Promise<FixedPartner> {
  let current: PartnerAnswer = { body: '[]' };
  const state = { calls: 0 };
  const server = http.createServer((req, res) => {
    if (req.headers['x-api-key'] !== apiKey) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid key"}');
      return;
    }
    state.calls += 1;
    const answer = current;
    answer.onRequest?.();
    const send = () => {
      if (res.destroyed) return;
      if (answer.onSent) res.once('finish', answer.onSent);
      res.writeHead(answer.status ?? 200, {
        'content-type': answer.contentType ?? 'application/json',
        ...answer.headers,
      });
      const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : Buffer.from(answer.body);
      if (answer.stallAfterBytes !== undefined) {
        res.write(body.subarray(0, answer.stallAfterBytes));
        return;
      }
      // Written to the socket, then the connection closed: what a server does whose
      // Content-Length says more than it sends.
      if (answer.closeConnection) res.write(body, () => res.socket?.end());
      else res.end(body);
    };
    if (answer.delayMs) setTimeout(send, answer.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/readings`,
    get calls() {
      return state.calls;
    },
    answer: (answer) => {
      current = answer;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
