/**
 * Describes a JSON.parse failure without quoting the text. Node's messages quote the input around the
 * error (`Unexpected token 'h', "…": hunter2}" is not valid JSON`), and the files v1hub parses (settings,
 * credentials, the metadata journal) hold passwords, base64 credentials and token signatures.
 */
export function jsonSyntaxProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  if (message.includes('Unexpected end of JSON input')) return 'the JSON ends too early';
  const position = /\bposition (\d+)/.exec(message)?.[1];
  return position === undefined ? 'a JSON syntax error' : `a JSON syntax error at position ${position}`;
}
