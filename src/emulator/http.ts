import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiProblem, GatewayProblem } from './problem.js';
import { errorBody, gatewayPage, type ErrorShape } from './shapes.js';

// Reading requests and writing answers in the configured shapes.

const MAX_BODY = 1024 * 1024;

export interface Replies {
  json(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void;
  /** an error in the configured shape; a gateway's problem as its HTML page */
  problem(res: ServerResponse, p: ApiProblem, headers?: Record<string, string>): void;
}

export function replies(errorShape: ErrorShape): Replies {
  const send = (res: ServerResponse, status: number, type: string, text: string, headers: Record<string, string>) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  return {
    json: (res, status, body, headers = {}) => {
      if (status === 204) {
        res.writeHead(204, headers);
        res.end();
      } else send(res, status, 'application/json', JSON.stringify(body), headers);
    },
    problem: (res, p, headers = {}) => {
      const [type, text] =
        p instanceof GatewayProblem ? ['text/html', gatewayPage(p.status)] : errorBody(errorShape, p.status, p.code, p.message, p.field);
      send(res, p.status, type, text, type === 'text/html' ? { server: 'nginx', ...headers } : headers);
    },
  };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY) {
      req.resume();
      return reject(new ApiProblem(413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than 1 MiB'));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ApiProblem(413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than 1 MiB'));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function parseJson(method: string, text: string): unknown {
  if (method !== 'POST' && method !== 'PATCH') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiProblem(400, 'INVALID_JSON', 'Request body is not valid JSON');
  }
}

export function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
