/**
 * The parts of Go's encoding/json that decide the bytes of Docker's image ids, as the Go of Docker 20.10
 * (Go 1.19) wrote them. An image id is the sha256 of JSON that Go marshalled, so reproducing an id means
 * reproducing Go's spelling exactly:
 * - strings are HTML-safe: `<` `>` `&` become `\u003c` `\u003e` `\u0026`, U+2028/U+2029 are escaped, and
 *   control characters other than `\n` `\r` `\t` are `\u00XX` (Go 1.22 later spelled `\b` `\f` short);
 * - a map's keys are sorted bytewise (UTF-8);
 * - a `json.RawMessage` is copied compacted (whitespace outside strings removed, HTML characters escaped),
 *   its other escapes and number spellings kept as written;
 * - `time.Time` is RFC 3339 with nanoseconds, trailing zeros of the fraction trimmed, `Z` for UTC.
 */

/** Go's `json.Marshal` of a string (HTML-safe). */
export function goString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || ch === '<' || ch === '>' || ch === '&' || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    // A lone surrogate is not valid UTF-8; Go writes the replacement character for it.
    else if (code >= 0xd800 && code <= 0xdfff) out += '\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

/** Go's `json.Compact` with HTML escaping, as `json.Marshal` applies it to a `json.RawMessage`. */
export function goCompact(raw: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (inString) {
      if (ch === '\\') {
        out += ch + (raw[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === '"') inString = false;
      if (ch === '<' || ch === '>' || ch === '&' || ch === '\u2028' || ch === '\u2029') out += `\\u${(ch.codePointAt(0) as number).toString(16).padStart(4, '0')}`;
      else out += ch;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') continue;
    if (ch === '"') inString = true;
    out += ch;
  }
  return out;
}

/** Go's ordering of map keys: bytewise over UTF-8. */
export function goKeyOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A JSON object's members as Go's `map[string]*json.RawMessage` holds them: each key (decoded) with its
 * value's raw text; a repeated key keeps its last value. Throws when `text` is not one JSON object.
 */
export function goRawObject(text: string): Map<string, string> {
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
  const members = new Map<string, string>();
  let pos = skipSpace(text, 0) + 1;
  for (;;) {
    pos = skipSpace(text, pos);
    if (text[pos] === '}') return members;
    const keyEnd = skipValue(text, pos);
    const key = JSON.parse(text.slice(pos, keyEnd)) as string;
    pos = skipSpace(text, keyEnd) + 1; // the colon
    const valueStart = skipSpace(text, pos);
    const valueEnd = skipValue(text, valueStart);
    members.delete(key);
    members.set(key, text.slice(valueStart, valueEnd));
    pos = skipSpace(text, valueEnd);
    if (text[pos] === ',') pos++;
  }
}

/** Go's `json.Marshal` of a `map[string]*json.RawMessage`: sorted keys, each value compacted. */
export function goSortedObject(members: ReadonlyMap<string, string>): string {
  const keys = [...members.keys()].sort(goKeyOrder);
  return `{${keys.map((key) => `${goString(key)}:${goCompact(members.get(key) as string)}`).join(',')}}`;
}

/** `time.Time{}` as Go marshals it. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * What Go's `time.Time` marshals after unmarshalling `value` (an RFC 3339 time): the fraction trimmed of
 * trailing zeros (and of digits past nanoseconds), `+00:00` written `Z`. Throws for anything else, as
 * Go's `time.Parse` refuses it.
 */
export function goTime(value: string): string {
  const match = RFC3339.exec(value);
  if (!match) throw new Error(`${JSON.stringify(value)} is not an RFC 3339 time`);
  const [, clock, fraction = '', zone] = match as unknown as [string, string, string | undefined, string];
  const nanos = fraction.slice(0, 9).replace(/0+$/, '');
  const offset = zone === '+00:00' || zone === '-00:00' ? 'Z' : zone;
  return `${clock}${nanos === '' ? '' : `.${nanos}`}${offset}`;
}

function skipSpace(text: string, pos: number): number {
  while (pos < text.length && ' \t\n\r'.includes(text[pos] as string)) pos++;
  return pos;
}

/** The end of the (valid) JSON value starting at `pos`. */
function skipValue(text: string, pos: number): number {
  const ch = text[pos];
  if (ch === '"') {
    for (let i = pos + 1; ; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') return i + 1;
    }
  }
  if (ch === '{' || ch === '[') {
    let depth = 0;
    for (let i = pos; ; i++) {
      const c = text[i];
      if (c === '"') i = skipValue(text, i) - 1;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
  }
  let end = pos;
  while (end < text.length && !',}] \t\n\r'.includes(text[end] as string)) end++;
  return end;
}
