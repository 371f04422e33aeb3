/**
 * Answers requests that Node's HTTP parser refuses before Koa sees them (a header line without a colon, an
 * unknown method, bad chunked framing, oversized headers, a stalled header block). Node's own answer is a
 * bare status line with no body; v1hub keeps the promise that every failure is a JSON `{"error": …}` body.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { legacyJson } from '../protocol/legacy-json.js';

/** Node's parser error codes with a more precise answer than 400. */
const PARSER_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
};

/** The `clientError` listener of both services' HTTP servers. */
export function answerMalformedRequest(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A response already under way on this socket (or a peer that is gone) cannot take another one.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight) {
    socket.destroy();
    return;
  }
  const entry = ERROR_CODES[PARSER_ERRORS[err.code ?? ''] ?? 'MALFORMED_REQUEST'];
  const body = legacyJson({ error: entry.message });
  socket.end(
    `HTTP/1.1 ${entry.status} ${STATUS_CODES[entry.status]}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-cache\r\nPragma: no-cache\r\nExpires: -1\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}
