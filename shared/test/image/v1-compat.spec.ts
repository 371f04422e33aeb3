// moby image/v1 emulation against what Docker 20.10 (Debian's docker.io 20.10.24) itself produced: every
// expected id and json below was read off a real engine (`docker load`, `docker save`, `docker images`) on
// 2026-12-01, from inputs rebuilt here byte for byte. The engine test (scenarios/test/engine) repeats the
// check live when dockerd is installed.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { buildExampleImages } from '../../src/client/example-image.js';
import { GO_ZERO_TIME, goCompact, goRawObject, goSortedObject, goString, goTime } from '../../src/image/go-json.js';
import { chainIds, configFromV1Chain, v1ChainFromConfig } from '../../src/image/v1-compat.js';
import { CENTOS_BASE, CENTOS_MIDDLE, CENTOS_TOP, readTarEntries, CENTOS_TAR } from '../../src/testing/index.js';

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** `docker save example` (Docker 20.10) after `docker load` of v1hub's example image: the top layer's json. */
const EXAMPLE_TOP_JSON = "{\"id\":\"8674d322800cd079a1447f50d4e9da6acb2590f21e84318c37cbfd8477d53f45\",\"parent\":\"d0224532c0747d81d77bb920aae776bd463382a7b4751538cb51b28b1cd17927\",\"comment\":\"v1hub example app: a greeting, and the scratch file deleted\",\"created\":\"2015-01-22T12:00:00Z\",\"container_config\":{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,\"Cmd\":[\"/bin/sh -c #(nop) ADD file:v1hub-example-app in /usr/local/bin\"],\"Image\":\"\",\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":null},\"docker_version\":\"1.5.0\",\"config\":{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/usr/local/bin/hello\"],\"Image\":\"\",\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":null},\"architecture\":\"amd64\",\"os\":\"linux\"}";

/** An image config with most container.Config fields, HTML characters and unknown members. */
const MODERN_CONFIG = "{\"architecture\": \"amd64\", \"author\": \"Zo\\u00eb <z@example.com>\", \"config\": {\"Hostname\": \"h\", \"User\": \"1000\", \"ExposedPorts\": {\"80/tcp\": {}, \"443/tcp\": {}}, \"Env\": [\"A=<b>&c\"], \"Cmd\": \"single\", \"Healthcheck\": {\"Test\": [\"CMD\", \"true\"], \"Interval\": 1000000000, \"Retries\": 3}, \"ArgsEscaped\": true, \"Image\": \"sha256:abc\", \"Volumes\": {\"/data\": {}, \"/a\": {}}, \"WorkingDir\": \"/w\", \"Entrypoint\": null, \"OnBuild\": [], \"Labels\": {\"z\": \"1\", \"a\": \"x<y\"}, \"StopSignal\": \"SIGTERM\", \"StopTimeout\": 0, \"Shell\": [\"/bin/bash\", \"-c\"], \"Unknown\": 1}, \"container\": \"abc\", \"container_config\": {\"Cmd\": [\"/bin/sh\", \"-c\", \"#(nop) LABEL a=x<y\"]}, \"created\": \"2020-05-06T07:08:09.123000Z\", \"docker_version\": \"19.03.5\", \"history\": [{\"created\": \"2020-05-06T07:08:09Z\", \"created_by\": \"x\"}, {\"created\": \"2020-05-06T07:08:09Z\", \"created_by\": \"y\", \"empty_layer\": true}, {\"created\": \"2020-05-06T07:08:09Z\", \"created_by\": \"z\"}], \"os\": \"linux\", \"variant\": \"v8\", \"rootfs\": {\"type\": \"layers\", \"diff_ids\": [\"sha256:62faacada3b123b24e35ac2a0a8176acc8e1f88e03a4499994327a88a7738c91\", \"sha256:752fb2ccd8b980768c326048fb10c99d2b6ab973f196e4348299f5397da4459e\"]}, \"Size\": 77, \"extra_top\": {\"k\": \"<>\"}}";
/** What `docker save` wrote for it into `<id>/json`, top layer. */
const MODERN_TOP_JSON = "{\"id\":\"32ea37402313a8c96599ff3c24397b7be0780eedb69b628838d06a2eb1e1fbe0\",\"parent\":\"1832cb7a7ed41aebb3b5573b77213300b366508e09909e4f17ee371201d70319\",\"created\":\"2020-05-06T07:08:09.123Z\",\"container\":\"abc\",\"container_config\":{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,\"Cmd\":[\"/bin/sh\",\"-c\",\"#(nop) LABEL a=x\\u003cy\"],\"Image\":\"\",\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":null},\"docker_version\":\"19.03.5\",\"author\":\"Zo\u00eb \\u003cz@example.com\\u003e\",\"config\":{\"Hostname\":\"h\",\"Domainname\":\"\",\"User\":\"1000\",\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"ExposedPorts\":{\"443/tcp\":{},\"80/tcp\":{}},\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":[\"A=\\u003cb\\u003e\\u0026c\"],\"Cmd\":[\"single\"],\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000,\"Retries\":3},\"ArgsEscaped\":true,\"Image\":\"sha256:abc\",\"Volumes\":{\"/a\":{},\"/data\":{}},\"WorkingDir\":\"/w\",\"Entrypoint\":null,\"OnBuild\":[],\"Labels\":{\"a\":\"x\\u003cy\",\"z\":\"1\"},\"StopSignal\":\"SIGTERM\",\"StopTimeout\":0,\"Shell\":[\"/bin/bash\",\"-c\"]},\"architecture\":\"amd64\",\"variant\":\"v8\",\"os\":\"linux\",\"Size\":77}";

/** A v1 json of Docker 1.9.1 (no struct fallback): spacing, escapes and number spellings must survive. */
const V19_JSON = "{ \"id\" : \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"created\":\"2016-01-02T03:04:05.5+02:00\", \"docker_version\" : \"1.9.1\", \"container_config\": {\"Cmd\":[\"sh\",\"-c\",\"echo <hi>\"], \"Foo\":  \"bar\"}, \"comment\":\"uni \\u00e9 \u00e9 x\", \"Size\":5, \"unknown\":{\"x\":  [1.50, 2e3]}, \"throwaway\":true, \"os\":\"linux\"}";

describe('moby image/v1 emulation (checked against Docker 20.10)', function () {
  it('gives the example image the config and image ids docker load gave it', async function () {
    const images = await buildExampleImages();
    const links = images.map((image) => ({ json: image.json, diffId: `sha256:${sha256(image.layerTar)}` }));
    expect(sha256(configFromV1Chain(links.slice(0, 1)))).to.equal('8fb344b96e5885f0f5cc33884d6806877588ce4781a12c19a548751ff5ac38cd');
    expect(sha256(configFromV1Chain(links))).to.equal('9be429d086f6ab22273f9ef2d6b056e83e8ec88d0a6073f79094edd4fdaa019d');
  });

  it('derives from that config the v1 chain docker save 20.10 wrote, ids and json byte for byte', async function () {
    const images = await buildExampleImages();
    const config = configFromV1Chain(images.map((image) => ({ json: image.json, diffId: `sha256:${sha256(image.layerTar)}` })));
    const chain = v1ChainFromConfig(config);
    expect(chain.map((link) => link.id)).to.deep.equal(['d0224532c0747d81d77bb920aae776bd463382a7b4751538cb51b28b1cd17927', '8674d322800cd079a1447f50d4e9da6acb2590f21e84318c37cbfd8477d53f45']);
    expect(chain[0]?.json.toString()).to.equal('{"id":"d0224532c0747d81d77bb920aae776bd463382a7b4751538cb51b28b1cd17927","created":"1970-01-01T00:00:00Z","container_config":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"os":"linux"}');
    expect(chain[1]?.json.toString()).to.equal(EXAMPLE_TOP_JSON);
    expect(chain[1]?.parent).to.equal(chain[0]?.id);
  });

  it('gives the centos chain of Docker 1.5 (struct fallback, -07:00 times, microseconds) the image ids docker load gave it', async function () {
    const entries = await readTarEntries(CENTOS_TAR);
    const links = [CENTOS_BASE, CENTOS_MIDDLE, CENTOS_TOP].map((id) => ({ json: entries.get(`${id}/json`) as Buffer, diffId: `sha256:${sha256(entries.get(`${id}/layer.tar`) as Buffer)}` }));
    expect([1, 2, 3].map((n) => sha256(configFromV1Chain(links.slice(0, n))))).to.deep.equal([
      'e93bb34ecc6eb92603a2ef4ce8f2bb5c41673f69f92b4e4ed661386a2d31696d',
      'c815505e38713d48fe3a497a874d725ba8fd8df1e5c1e7273adc7dff6baa3af6',
      'a9e31d6f186fbbe2468c9961316dba93971266d344ba960f68911df6e29b564c',
    ]);
  });

  it('keeps a Docker ≥ 1.8.3 json as written: raw members, sorted, HTML escaped, no struct fallback', function () {
    const config = configFromV1Chain([{ json: Buffer.from(V19_JSON), diffId: 'sha256:62faacada3b123b24e35ac2a0a8176acc8e1f88e03a4499994327a88a7738c91' }]);
    expect(sha256(config)).to.equal('fe3a1ec9b5f8b51d430e74673428d324f64e9d97c6aa360c5a611d5007462d59');
  });

  it('derives ids from a config with health checks, ports, volumes, labels, a string Cmd and unknown fields', function () {
    const chain = v1ChainFromConfig(MODERN_CONFIG);
    expect(chain.map((link) => link.id)).to.deep.equal(['1832cb7a7ed41aebb3b5573b77213300b366508e09909e4f17ee371201d70319', '32ea37402313a8c96599ff3c24397b7be0780eedb69b628838d06a2eb1e1fbe0']);
    expect(chain[1]?.json.toString()).to.equal(MODERN_TOP_JSON);
    expect(chain.map((link) => link.diffId)).to.deep.equal((JSON.parse(MODERN_CONFIG) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids);
  });

  it('refuses configs that cannot make a v1 chain, in one line', function () {
    expect(() => v1ChainFromConfig('{')).to.throw('the image config is not valid JSON');
    expect(() => v1ChainFromConfig('{"rootfs":{"type":"layers","diff_ids":[]}}')).to.throw(/lists no layers/);
    expect(() => v1ChainFromConfig('{"rootfs":{"diff_ids":["sha256:zz"]}}')).to.throw(/malformed layer id/);
    const layer = `sha256:${'a'.repeat(64)}`;
    expect(() => v1ChainFromConfig(JSON.stringify({ created: 'yesterday', rootfs: { diff_ids: [layer] } }))).to.throw(/created.*RFC 3339/);
    expect(() => v1ChainFromConfig(JSON.stringify({ config: { Env: 'A=1' }, rootfs: { diff_ids: [layer] } }))).to.throw(/Env is not a list of strings/);
  });

  it('chains layer ids as layer.CreateChainID does', function () {
    const a = `sha256:${'a'.repeat(64)}`;
    const b = `sha256:${'b'.repeat(64)}`;
    expect(chainIds([a, b])).to.deep.equal([a, `sha256:${sha256(`${a} ${b}`)}`]);
  });
});

describe('Go encoding/json emulation', function () {
  it('escapes strings as Go 1.19 did: HTML characters, U+2028/9, control characters as \\u00XX', function () {
    expect(goString('a<b>&"\\\n\t\r\b\f\u2028\u2029é')).to.equal('"a\\u003cb\\u003e\\u0026\\"\\\\\\n\\t\\r\\u0008\\u000c\\u2028\\u2029é"');
  });

  it('compacts raw JSON, keeping escapes and number spellings, escaping HTML characters in strings', function () {
    expect(goCompact('{ "a" : [1.50, 2e3],\n "b":"<\\u00e9 x>" }')).to.equal('{"a":[1.50,2e3],"b":"\\u003c\\u00e9 x\\u003e"}');
  });

  it('reads an object as a map of raw members, the last of a repeated key winning, and sorts keys bytewise', function () {
    const members = goRawObject('{"b": {"x": [1, 2]}, "a": "1", "b": 3, "é": 0, "z": null}');
    expect([...members]).to.deep.equal([['a', '"1"'], ['b', '3'], ['é', '0'], ['z', 'null']]);
    expect(goSortedObject(members)).to.equal('{"a":"1","b":3,"z":null,"é":0}');
  });

  it('marshals times as RFC 3339 with trimmed nanoseconds and Z for UTC', function () {
    expect(goTime('2015-01-22T12:00:00.000Z')).to.equal('2015-01-22T12:00:00Z');
    expect(goTime('2015-01-22T12:00:00.1234567891+00:00')).to.equal('2015-01-22T12:00:00.123456789Z');
    expect(goTime('2013-06-13T14:03:50.821769-07:00')).to.equal('2013-06-13T14:03:50.821769-07:00');
    expect(GO_ZERO_TIME).to.equal('0001-01-01T00:00:00Z');
    expect(() => goTime('2015-01-22 12:00:00')).to.throw(/not an RFC 3339 time/);
  });
});
