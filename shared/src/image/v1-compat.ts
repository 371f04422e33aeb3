/**
 * Docker's own bridge between v1 images and the image configs of Docker ≥ 1.10, as moby 20.10 wrote it
 * (`image/v1/imagev1.go`, `image/tarexport/save.go`, the structs `image.V1Image` and `container.Config`).
 * Two directions:
 * - config → v1 chain ({@link v1ChainFromConfig}): one v1 image per layer, ids from `v1.CreateID`, json as
 *   `docker save` 1.10–24 wrote it into `<id>/json`. What a v1 push of a modern image sends.
 * - v1 json → config ({@link configFromV1Chain}): `v1.MakeConfigFromV1Config` with the history of
 *   `v1.HistoryFromConfig`, the config (and so the image id) `docker load` of a v1 tarball creates.
 * Byte-exact: both ids are sha256 of Go's JSON (go-json.ts), checked against Docker 20.10's own output in
 * the tests.
 */
import { createHash } from 'node:crypto';
import { GO_ZERO_TIME, goKeyOrder, goRawObject, goSortedObject, goString, goTime } from './go-json.js';

type Kind = 'string' | 'bool' | 'int' | 'time' | 'strings' | 'strslice' | 'set' | 'labels' | 'health' | 'intPtr' | 'config' | 'configPtr';

interface Field {
  /** The JSON name. */
  readonly name: string;
  readonly kind: Kind;
  readonly omitempty?: boolean;
}

/** `container.Config` of moby 20.10, in struct order. */
const CONTAINER_CONFIG: readonly Field[] = [
  { name: 'Hostname', kind: 'string' },
  { name: 'Domainname', kind: 'string' },
  { name: 'User', kind: 'string' },
  { name: 'AttachStdin', kind: 'bool' },
  { name: 'AttachStdout', kind: 'bool' },
  { name: 'AttachStderr', kind: 'bool' },
  { name: 'ExposedPorts', kind: 'set', omitempty: true },
  { name: 'Tty', kind: 'bool' },
  { name: 'OpenStdin', kind: 'bool' },
  { name: 'StdinOnce', kind: 'bool' },
  { name: 'Env', kind: 'strings' },
  { name: 'Cmd', kind: 'strslice' },
  { name: 'Healthcheck', kind: 'health', omitempty: true },
  { name: 'ArgsEscaped', kind: 'bool', omitempty: true },
  { name: 'Image', kind: 'string' },
  { name: 'Volumes', kind: 'set' },
  { name: 'WorkingDir', kind: 'string' },
  { name: 'Entrypoint', kind: 'strslice' },
  { name: 'NetworkDisabled', kind: 'bool', omitempty: true },
  { name: 'MacAddress', kind: 'string', omitempty: true },
  { name: 'OnBuild', kind: 'strings' },
  { name: 'Labels', kind: 'labels' },
  { name: 'StopSignal', kind: 'string', omitempty: true },
  { name: 'StopTimeout', kind: 'intPtr', omitempty: true },
  { name: 'Shell', kind: 'strslice', omitempty: true },
];

/** `container.HealthConfig`. */
const HEALTH_CONFIG: readonly Field[] = [
  { name: 'Test', kind: 'strings', omitempty: true },
  { name: 'Interval', kind: 'int', omitempty: true },
  { name: 'Timeout', kind: 'int', omitempty: true },
  { name: 'StartPeriod', kind: 'int', omitempty: true },
  { name: 'Retries', kind: 'int', omitempty: true },
];

/** `image.V1Image` of moby 20.10, in struct order. */
const V1_IMAGE: readonly Field[] = [
  { name: 'id', kind: 'string', omitempty: true },
  { name: 'parent', kind: 'string', omitempty: true },
  { name: 'comment', kind: 'string', omitempty: true },
  { name: 'created', kind: 'time' },
  { name: 'container', kind: 'string', omitempty: true },
  { name: 'container_config', kind: 'config' },
  { name: 'docker_version', kind: 'string', omitempty: true },
  { name: 'author', kind: 'string', omitempty: true },
  { name: 'config', kind: 'configPtr', omitempty: true },
  { name: 'architecture', kind: 'string', omitempty: true },
  { name: 'variant', kind: 'string', omitempty: true },
  { name: 'os', kind: 'string', omitempty: true },
  { name: 'Size', kind: 'int', omitempty: true },
];

/** A Go struct value: JSON name → decoded value (absent = Go's zero value). */
type GoStruct = Map<string, unknown>;

/** `version < "1.8.3"` as moby's `versions.LessThan` compares (numeric parts, anything else 0). */
const NO_FALLBACK_MIN_VERSION = '1.8.3';

/** What `v1.CreateID` gives the layers below the top one (`time.Unix(0, 0)` on a UTC daemon). */
const EPOCH = '1970-01-01T00:00:00Z';

/** One image of a derived v1 chain. */
export interface DerivedV1Image {
  readonly id: string;
  readonly parent: string | null;
  /** The v1 json, as `docker save` wrote `<id>/json`. */
  readonly json: Buffer;
  /** `sha256:…` of the layer's uncompressed tar (the config's `rootfs.diff_ids` entry). */
  readonly diffId: string;
}

/** `layer.CreateChainID`: the first diff id, then sha256 of "<parent chain> <diff id>". */
export function chainIds(diffIds: readonly string[]): string[] {
  const chain: string[] = [];
  for (const diffId of diffIds) {
    const previous = chain.at(-1);
    chain.push(previous === undefined ? diffId : `sha256:${sha256(`${previous} ${diffId}`)}`);
  }
  return chain;
}

/**
 * moby `image/tarexport/save.go` saveImage: the v1 chain of an image config, base first. Throws a one-line
 * Error for a config that is not JSON, has no layers, or has fields of the wrong type.
 */
export function v1ChainFromConfig(configText: string): DerivedV1Image[] {
  const config = parseObject(configText, 'the image config');
  const diffIds = diffIdsOf(config);
  // The embedded V1Image of image.Image: its `parent` is shadowed by Image.Parent, so it never reaches here.
  const top = decodeStruct(V1_IMAGE, withoutKey(config, 'parent'), 'the image config');
  const os = top.get('os');
  const chain = chainIds(diffIds);
  const images: DerivedV1Image[] = [];
  let parent: string | null = null;
  for (const [i, diffId] of diffIds.entries()) {
    // LEGACY: moby 20.10 save.go — only the top layer carries the image's fields; the others are empty
    // images created at the epoch, "for backward compatibility used for pre v1.9 docker".
    const v1: GoStruct = i === diffIds.length - 1 ? new Map(top) : new Map<string, unknown>([['created', EPOCH]]);
    v1.delete('id');
    const id = createId(v1, chain[i] as string, parent);
    v1.set('id', id);
    if (parent !== null) v1.set('parent', parent);
    if (os !== undefined) v1.set('os', os);
    images.push({ id, parent, json: Buffer.from(encodeStruct(V1_IMAGE, v1)), diffId });
    parent = id;
  }
  return images;
}

/** `v1.CreateID`: sha256 of the v1 json without its id, plus `layer_id` and `parent`, keys sorted. */
function createId(v1: GoStruct, chainId: string, parent: string | null): string {
  const members = goRawObject(encodeStruct(V1_IMAGE, v1));
  members.set('layer_id', goString(chainId));
  if (parent !== null) members.set('parent', goString(`sha256:${parent}`));
  return sha256(goSortedObject(members));
}

/** One v1 image of a chain, for {@link configFromV1Chain}: its json and its layer's diff id. */
export interface V1ChainLink {
  readonly json: Buffer;
  readonly diffId: string;
}

/**
 * moby 20.10 `legacyLoadImage`: the image config `docker load` makes of the top of a v1 chain (base
 * first), with the rootfs and history of the whole chain. Its sha256 is the image id Docker shows.
 */
export function configFromV1Chain(chain: readonly V1ChainLink[]): string {
  const top = chain.at(-1);
  if (!top) throw new Error('an empty chain has no config');
  const history = chain.map((link) => historyFromConfig(link.json.toString('utf8')));
  return makeConfigFromV1Config(top.json.toString('utf8'), chain.map((link) => link.diffId), history);
}

/** `v1.MakeConfigFromV1Config`. */
function makeConfigFromV1Config(imageJson: string, diffIds: readonly string[], history: readonly string[]): string {
  const image = parseObject(imageJson, 'the image json');
  const dockerVersion = image.get('docker_version');
  if (dockerVersion !== undefined && dockerVersion !== null && typeof dockerVersion !== 'string') throw new Error('the image json: docker_version is not a string');
  let text = imageJson;
  // LEGACY: moby image/v1 — json written by Docker older than 1.8.3 goes through the V1Image struct first,
  // which drops unknown fields and fills in the known ones.
  if (versionLessThan(typeof dockerVersion === 'string' ? dockerVersion : '', NO_FALLBACK_MIN_VERSION)) {
    text = encodeStruct(V1_IMAGE, decodeStruct(V1_IMAGE, image, 'the image json'));
  }
  const members = goRawObject(text);
  for (const key of ['id', 'parent', 'Size', 'parent_id', 'layer_id', 'throwaway']) members.delete(key);
  members.set('rootfs', `{"type":"layers"${diffIds.length > 0 ? `,"diff_ids":[${diffIds.map(goString).join(',')}]` : ''}}`);
  members.set('history', `[${history.join(',')}]`);
  return goSortedObject(members);
}

/** `v1.HistoryFromConfig`, marshalled as `image.History`. */
function historyFromConfig(imageJson: string): string {
  const v1 = decodeStruct(V1_IMAGE, parseObject(imageJson, 'the image json'), 'the image json');
  const cmd = (v1.get('container_config') as GoStruct | undefined)?.get('Cmd') as string[] | null | undefined;
  const parts = [`"created":${goString((v1.get('created') as string | undefined) ?? GO_ZERO_TIME)}`];
  const author = v1.get('author') as string | undefined;
  const createdBy = (cmd ?? []).join(' ');
  const comment = v1.get('comment') as string | undefined;
  if (author) parts.push(`"author":${goString(author)}`);
  if (createdBy) parts.push(`"created_by":${goString(createdBy)}`);
  if (comment) parts.push(`"comment":${goString(comment)}`);
  return `{${parts.join(',')}}`;
}

/** moby `versions.LessThan`. */
function versionLessThan(a: string, b: string): boolean {
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const x = numericPart(left[i]);
    const y = numericPart(right[i]);
    if (x !== y) return x < y;
  }
  return false;
}

function numericPart(part: string | undefined): number {
  return part !== undefined && /^[+-]?\d+$/.test(part) ? Number(part) : 0;
}

function diffIdsOf(config: Map<string, unknown>): string[] {
  const rootfs = config.get('rootfs') as { diff_ids?: unknown } | undefined;
  const diffIds = rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.length === 0) throw new Error('the image config lists no layers (rootfs.diff_ids); a v1 image needs at least one');
  for (const diffId of diffIds) {
    if (typeof diffId !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(diffId)) throw new Error(`the image config lists a malformed layer id ${JSON.stringify(diffId)}`);
  }
  return diffIds as string[];
}

function parseObject(text: string, what: string): Map<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} is not a JSON object`);
  return new Map(Object.entries(value as Record<string, unknown>));
}

function withoutKey(members: Map<string, unknown>, key: string): Map<string, unknown> {
  const copy = new Map(members);
  copy.delete(key);
  return copy;
}

/**
 * Go's `json.Unmarshal` into a struct: each member goes to the field of that name, or else the first whose
 * name matches ignoring case; unknown members are dropped; `null` leaves a value field as it was and sets
 * a pointer, slice or map to nil. A member of the wrong type is an error, as Docker then failed.
 */
function decodeStruct(fields: readonly Field[], members: ReadonlyMap<string, unknown>, what: string): GoStruct {
  const out: GoStruct = new Map();
  for (const [key, value] of members) {
    const field = fields.find((f) => f.name === key) ?? fields.find((f) => f.name.toLowerCase() === key.toLowerCase());
    if (!field) continue;
    const decoded = decodeValue(field, value, `${what}: ${key}`);
    if (decoded !== undefined) out.set(field.name, decoded);
  }
  return out;
}

function decodeValue(field: Field, value: unknown, where: string): unknown {
  const wrong = (expected: string): Error => new Error(`${where} is not ${expected}`);
  const nullable = ['strings', 'strslice', 'set', 'labels', 'health', 'intPtr', 'configPtr'].includes(field.kind);
  if (value === null) return nullable ? null : undefined;
  switch (field.kind) {
    case 'string':
      if (typeof value !== 'string') throw wrong('a string');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw wrong('a boolean');
      return value;
    case 'int':
    case 'intPtr':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrong('an integer');
      return value;
    case 'time':
      if (typeof value !== 'string' || !isGoTime(value)) throw wrong('an RFC 3339 time');
      return goTime(value);
    case 'strslice':
      // strslice.StrSlice also takes a single string.
      if (typeof value === 'string') return [value];
      return stringArray(value, wrong);
    case 'strings':
      return stringArray(value, wrong);
    case 'set':
      if (typeof value !== 'object' || Array.isArray(value)) throw wrong('an object');
      return Object.keys(value as object);
    case 'labels': {
      if (typeof value !== 'object' || Array.isArray(value)) throw wrong('an object');
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.some(([, v]) => typeof v !== 'string' && v !== null)) throw wrong('an object of strings');
      return new Map(entries.map(([k, v]) => [k, (v as string | null) ?? '']));
    }
    case 'health':
      return decodeStruct(HEALTH_CONFIG, objectMembers(value, wrong), where);
    case 'config':
    case 'configPtr':
      return decodeStruct(CONTAINER_CONFIG, objectMembers(value, wrong), where);
  }
}

function isGoTime(value: string): boolean {
  try {
    goTime(value);
    return true;
  } catch {
    return false;
  }
}

function stringArray(value: unknown, wrong: (expected: string) => Error): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw wrong('a list of strings');
  return value as string[];
}

function objectMembers(value: unknown, wrong: (expected: string) => Error): Map<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw wrong('an object');
  return new Map(Object.entries(value as Record<string, unknown>));
}

/** Go's `json.Marshal` of a struct: fields in order, `omitempty` ones left out when empty. */
function encodeStruct(fields: readonly Field[], value: GoStruct): string {
  const parts: string[] = [];
  for (const field of fields) {
    const v = value.get(field.name);
    if (field.omitempty && isEmpty(field, v)) continue;
    parts.push(`${goString(field.name)}:${encodeValue(field, v)}`);
  }
  return `{${parts.join(',')}}`;
}

function isEmpty(field: Field, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  // A struct is never empty to omitempty; a pointer only when nil (a pointer to 0 is kept).
  if (field.kind === 'time' || field.kind === 'config' || field.kind === 'health' || field.kind === 'configPtr' || field.kind === 'intPtr') return false;
  if (v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  return false;
}

function encodeValue(field: Field, v: unknown): string {
  switch (field.kind) {
    case 'string':
      return goString((v as string | undefined) ?? '');
    case 'bool':
      return v === true ? 'true' : 'false';
    case 'int':
    case 'intPtr':
      return String((v as number | undefined) ?? 0);
    case 'time':
      return goString((v as string | undefined) ?? GO_ZERO_TIME);
    case 'strings':
    case 'strslice':
      return v === undefined || v === null ? 'null' : `[${(v as string[]).map(goString).join(',')}]`;
    case 'set':
      return v === undefined || v === null ? 'null' : `{${[...(v as string[])].sort(goKeyOrder).map((key) => `${goString(key)}:{}`).join(',')}}`;
    case 'labels': {
      if (v === undefined || v === null) return 'null';
      const labels = v as Map<string, string>;
      return `{${[...labels.keys()].sort(goKeyOrder).map((key) => `${goString(key)}:${goString(labels.get(key) as string)}`).join(',')}}`;
    }
    case 'health':
      return encodeStruct(HEALTH_CONFIG, (v as GoStruct | undefined) ?? new Map());
    case 'config':
    case 'configPtr':
      return encodeStruct(CONTAINER_CONFIG, (v as GoStruct | undefined) ?? new Map());
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
