/**
 * The client commands of cli.md — login, logout, push, pull, delete, search, tags — on top of the v1 client
 * shim, which speaks the wire the way Docker 1.x did. Results go to stdout (one summary line, or JSON with
 * --json); progress to stderr on a TTY; a failure is one line naming what failed and the server's message.
 */
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { hostPortProblem, parseImageReference, type ImageReference } from '@v1hub/shared/core';
import {
  DEFAULT_TIMEOUT_MS, V1ClientError, createV1Client, defaultConfigPath, getCredentials, removeCredentials, saveCredentials,
  type Exchange, type LayerProgressEvent, type RetryNotice, type SearchHit, type V1Client,
} from '@v1hub/shared/client';
import { CliError, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { formatBytes, LayerProgress } from './layer-progress.js';
import { canPrompt, promptHidden, promptLine, readPasswordFromStdin } from './prompt.js';

interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  insecure?: boolean;
  ca?: string;
  concurrency?: string;
  timeout?: string;
}

const LOCAL_HOSTS = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/**
 * cli.md: plain http for localhost, 127.0.0.1 and [::1], or with --insecure; https otherwise. `--ca FILE` says
 * the server speaks TLS with a private CA, so it means https for a local host too.
 */
export function indexUrlFor(server: string, insecure: boolean, ca = false): string {
  return `${insecure || (LOCAL_HOSTS.test(server) && !ca) ? 'http' : 'https'}://${server}`;
}

/** `--ca FILE`: the PEM CA certificates to trust besides Node's; unreadable is a usage error (exit 2). */
async function caOf(opts: GlobalOptions): Promise<Buffer | undefined> {
  if (opts.ca === undefined) return undefined;
  if (opts.insecure) throw new CliError('--ca and --insecure exclude each other: --ca is for https, --insecure for plain http', EXIT_USAGE);
  try {
    return await readFile(opts.ca);
  } catch (err) {
    throw new CliError(`--ca ${opts.ca}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, EXIT_USAGE);
  }
}

/** The Index as the client commands name it: a bare `host[:port]`, as in image references (cli.md). */
export function checkServer(server: string): string {
  if (hostPortProblem(server) !== null) throw new CliError(`${server}: name the Index as host[:port], without a scheme or a path (e.g. 127.0.0.1:5000)`, EXIT_USAGE);
  return server;
}

/** A problem with the credentials file is a configuration error: one line, exit 2. */
function credentialsError(path: string): (err: Error) => never {
  return (err) => {
    const message = err.message.replace(/\s+/g, ' ').trim();
    throw new CliError(message.includes(path) ? message : `${path}: ${message}`, EXIT_USAGE);
  };
}

/** `SERVER/NAME[:TAG]`: the server part is required (v1hub never falls back to the official index). */
export function parseTarget(text: string): ImageReference & { server: string } {
  const parsed = parseImageReference(text);
  if (!parsed.ok) throw new CliError(parsed.error, EXIT_USAGE);
  if (!parsed.value.server) throw new CliError(`${text}: name it SERVER/NAME[:TAG], with the Index's host:port first (e.g. 127.0.0.1:5000/alice/app)`, EXIT_USAGE);
  return parsed.value as ImageReference & { server: string };
}

/** `--timeout SECONDS`: connect and first-byte timeout per request. */
function timeoutOf(opts: GlobalOptions): number {
  const seconds = Number(opts.timeout ?? DEFAULT_TIMEOUT_MS / 1000);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new CliError(`--timeout must be a number of seconds above 0 and at most 3600, got ${opts.timeout}`, EXIT_USAGE);
  return Math.round(seconds * 1000);
}

/**
 * What to do next, added to a failure's one line where v1hub can tell: log in after a 401, and point at
 * the Index when a registry was named as the server.
 */
function withHint(err: V1ClientError, server: string): string {
  if (err.status === 401 && err.path !== null && !err.path.startsWith('/v1/users')) return `${err.message} (log in first: v1hub login ${server})`;
  if (err.status === 404 && err.path !== null && err.path.startsWith('/v1/users')) return `${server} is not an Index (it has no /v1/users/): is it a registry? Log in to the Index that registry names with --index`;
  return err.message;
}

/** `push --compression-level N`: gzip level of the layers sent, 1 (fastest) to 9 (smallest). */
function compressionLevelOf(opts: GlobalOptions & { compressionLevel?: string }): number | undefined {
  if (opts.compressionLevel === undefined) return undefined;
  const n = Number(opts.compressionLevel);
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new CliError(`--compression-level must be a whole number from 1 to 9, got ${opts.compressionLevel}`, EXIT_USAGE);
  return n;
}

function concurrencyOf(opts: GlobalOptions): number {
  const n = Number(opts.concurrency ?? 3);
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new CliError(`--concurrency must be a whole number from 1 to 32, got ${opts.concurrency}`, EXIT_USAGE);
  return n;
}

/** Prints exchanges (masked by the shim) with --verbose, and closes progress bars as layer transfers end. */
function observer(io: CliIo, opts: GlobalOptions, progress: LayerProgress | null) {
  return (x: Exchange): void => {
    if (opts.verbose) io.err(`${x.method} ${x.url} → ${x.status || 'no answer'} (${x.ms} ms)${Object.entries(x.requestHeaders).filter(([k]) => /^(authorization|x-docker)/i.test(k)).map(([k, v]) => ` ${k}: ${v}`).join(';')}`);
    progress?.exchange(x);
  };
}

export function registerClientCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const configPath = () => defaultConfigPath(io.env as NodeJS.ProcessEnv);
  // Options by what they mean: every client command prints a result; the networked ones talk to servers; push
  // and pull move layers. A command offers only those that mean something for it.
  const addOutput = (command: Command) =>
    command
      .option('--json', 'machine-readable result on stdout (a failure too: {"error", "exitCode"})')
      .option('--quiet', 'no progress, only the result')
      .option('-v, --verbose', 'print every HTTP exchange to stderr (tokens and passwords masked)');
  const addNetwork = (command: Command) =>
    addOutput(command)
      .option('--insecure', 'use plain http even for a host that is not local')
      .option('--ca <file>', 'PEM CA certificates to trust for https besides the system\'s (a private CA); https then for a local host too')
      .option('--timeout <seconds>', `connect and first-byte timeout per request (default ${DEFAULT_TIMEOUT_MS / 1000})`);
  const addTransfer = (command: Command) => addNetwork(command).addOption(new Option('--concurrency <n>', 'layers transferred at once').default('3'));
  // The same flags before the subcommand (`v1hub --json tags …`) count too.
  addTransfer(program);
  /** The command's options with those given before the subcommand. */
  const optionsOf = <T>(command: Command): T => command.optsWithGlobals<T & Record<string, unknown>>();

  /** Runs a client operation: builds the client, reports, turns shim errors into one-line exit-1 failures. */
  async function withClient<T>(server: string, opts: GlobalOptions, run: (client: V1Client) => Promise<T>, summary: (result: T) => string, onInterrupt?: () => Promise<string>): Promise<void> {
    checkServer(server);
    const credentials = await getCredentials(server, configPath()).catch(credentialsError(configPath()));
    const progress = io.stderrIsTTY && !opts.quiet && !opts.json ? new LayerProgress(process.stderr) : null;
    // A retry is announced on a terminal (and with --verbose), so a dead server is never a silent wait.
    const onRetry = io.stderrIsTTY || opts.verbose ? (r: RetryNotice) => io.err(`${r.service === 'index' ? 'Index' : 'registry'} ${r.host} ${r.reason}, retrying ${r.retry}/${r.retries}`) : undefined;
    const compressionLevel = compressionLevelOf(opts);
    const ca = await caOf(opts);
    const client = createV1Client({
      indexUrl: indexUrlFor(server, opts.insecure ?? false, ca !== undefined),
      ...(ca ? { ca } : {}),
      credentials,
      concurrency: concurrencyOf(opts),
      ...(compressionLevel !== undefined ? { compressionLevel } : {}),
      timeoutMs: timeoutOf(opts),
      onExchange: observer(io, opts, progress),
      ...(onRetry ? { onRetry } : {}),
      ...(progress ? { onLayerProgress: (e: LayerProgressEvent) => progress.layer(e) } : {}),
    });
    // Ctrl-C (or SIGTERM) mid-operation: put the terminal back as it was (the bars hide the cursor and turn
    // line wrapping off), remove partial output, say so, and exit 130 as a shell expects of an interrupt.
    const interrupted = (signal: NodeJS.Signals) => {
      progress?.stop();
      void (onInterrupt ? onInterrupt() : Promise.resolve('')).then(
        (removed) => io.err(`v1hub: interrupted (${signal})${removed ? `; ${removed}` : ''}`),
        (err: Error) => io.err(`v1hub: interrupted (${signal}); could not clean up: ${err.message}`),
      ).finally(() => process.exit(130));
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    try {
      const result = await run(client);
      progress?.stop();
      io.out(opts.json ? JSON.stringify(result, null, 2) : summary(result));
      setExit(EXIT_OK);
    } catch (err) {
      progress?.stop();
      if (err instanceof V1ClientError) throw new CliError(withHint(err, server));
      throw err;
    } finally {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
      client.close();
    }
  }

  addNetwork(program.command('login').description('Log in to an Index, or create the account with -e (Docker 1.x login)'))
    .argument('[server]', 'the Index, host:port', '127.0.0.1:5000')
    .option('-u, --username <user>', 'username (asked for on a terminal when absent)')
    .option('-p, --password <password>', 'password (visible to other users of this machine: prefer the prompt or --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('-e, --email <email>', 'create the account with this email if it does not exist yet')
    .action(async (server: string, _opts: unknown, command: Command) => {
      const opts = optionsOf<GlobalOptions & { username?: string; password?: string; passwordStdin?: boolean; email?: string }>(command);
      checkServer(server);
      if (opts.password !== undefined && opts.passwordStdin) throw new CliError('give the password once: -p or --password-stdin, not both', EXIT_USAGE);
      const username = opts.username ?? (canPrompt() ? await promptLine('Username: ') : '');
      if (username === '') throw new CliError('login needs a username: -u USER', EXIT_USAGE);
      const password = opts.password ?? (opts.passwordStdin ? await readPasswordFromStdin() : canPrompt() ? await promptHidden('Password: ') : undefined);
      if (password === undefined) throw new CliError('login needs a password: run it on a terminal to be asked, pipe it with --password-stdin, or give -p', EXIT_USAGE);
      let email = opts.email;
      await withClient(server, opts, async (client) => {
        let result;
        try {
          result = await client.login({ username, password, ...(email ? { email } : {}) });
        } catch (err) {
          // No account with these credentials, and nothing said how to create one: ask on a terminal, else say how.
          if (!(err instanceof V1ClientError) || err.code !== 'WRONG_PASSWORD' || email !== undefined) throw err;
          if (!canPrompt()) throw new CliError(`${server}: wrong password for ${username}, or no such account; add -e EMAIL to create it`);
          email = await promptLine(`No account ${username} with that password on ${server}. Email to create it (empty to stop): `);
          if (email === '') throw new CliError(`${server}: wrong password for ${username}, or no such account`);
          result = await client.login({ username, password, email });
        }
        await saveCredentials(server, { username, password, ...(email ? { email } : {}) }, configPath()).catch(credentialsError(configPath()));
        const message = result.outcome === 'created' ? `Account ${username} created on ${server}; logged in, credentials saved in ${configPath()}` : `Login Succeeded: ${username} on ${server}`;
        return { server, username, outcome: result.outcome, message };
      }, (r) => r.message);
    });

  addOutput(program.command('logout').description('Forget the credentials saved for a server'))
    .argument('[server]', 'the Index, host:port', '127.0.0.1:5000')
    .action(async (server: string, _opts: unknown, command: Command) => {
      const opts = optionsOf<GlobalOptions>(command);
      const removed = await removeCredentials(checkServer(server), configPath()).catch(credentialsError(configPath()));
      io.out(opts.json ? JSON.stringify({ server, removed }) : removed ? `Removed login credentials for ${server}` : `Not logged in to ${server}`);
      setExit(EXIT_OK);
    });

  addTransfer(program.command('push').description('Push a docker save tarball from any Docker (v1, 1.10–24 or ≥ 25 OCI layout) to SERVER/NAME[:TAG]'))
    .argument('<target>', 'SERVER/NAME[:TAG]')
    .option('--compression-level <n>', 'gzip level of the layers sent, 1 (fastest) to 9 (smallest); blocks are compressed on every core', '6')
    .requiredOption('--from <image.tar>', '(required) a `docker save` tarball: the v1 layout, Docker 1.10–24 (manifest.json) or Docker ≥ 25 (OCI, plain or gzip layers)')
    .addHelpText('after', '\nExample:\n  v1hub push 127.0.0.1:5000/alice/example:latest --from .v1hub/example-image.tar')
    .action(async (target: string, _opts: unknown, command: Command) => {
      const opts = optionsOf<GlobalOptions & { from: string }>(command);
      const ref = parseTarget(target);
      await withClient(ref.server, opts, (client) => client.push(ref, opts.from), (r) => {
        const uploaded = r.images.filter((i) => i.outcome === 'uploaded').length;
        return `pushed ${r.repository}:${r.tags.map((t) => t.tag).join(',')} to ${r.endpoints.join(', ')}: ${uploaded} layer(s) uploaded, ${r.images.length - uploaded} already there, ${formatBytes(r.bytesSent)} sent`;
      });
    });

  addTransfer(program.command('pull').description('Pull SERVER/NAME[:TAG] (TAG defaults to latest) into a tarball `docker load` accepts'))
    .argument('<target>', 'SERVER/NAME[:TAG]')
    .requiredOption('--to <image.tar>', 'where to write the tarball')
    .option('-a, --all-tags', 'pull every tag of the repository into the one tarball')
    .action(async (target: string, _opts: unknown, command: Command) => {
      const opts = optionsOf<GlobalOptions & { to: string; allTags?: boolean }>(command);
      const ref = parseTarget(target);
      if (opts.allTags && ref.tagGiven) throw new CliError(`${target}: a tag and --all-tags exclude each other; name the repository alone`, EXIT_USAGE);
      const started = Date.now();
      await withClient(ref.server, opts, (client) => client.pull(ref, { to: opts.to, ...(opts.allTags ? { allTags: true } : {}) }), (r) => {
        const tags = Object.keys(r.tags);
        const what = tags.length === 1 ? `${r.repository}:${r.tag} (${r.imageId.slice(0, 12)}` : `${r.repository} tags ${tags.join(', ')} (${new Set(Object.values(r.tags)).size} tagged image(s)`;
        return `pulled ${what}, ${r.images.length} image(s), every layer verified) from ${[...new Set(r.images.map((i) => i.endpoint))].join(', ')} into ${r.output}`;
      }, () => removePartialPull(opts.to, started));
    });

  addNetwork(program.command('delete').description('Delete a repository: the Index, every registry, the Index again'))
    .argument('<target>', 'SERVER/NAME')
    .action(async (target: string, _opts: unknown, command: Command) => {
      const opts = optionsOf<GlobalOptions>(command);
      const ref = parseTarget(target);
      await withClient(ref.server, opts, (client) => client.deleteRepository(ref), (r) => `deleted ${r.repository} (registries: ${r.deletedOn.join(', ') || 'none held it'})`);
    });

  addNetwork(program.command('search').description('Search the repositories of an Index (as `docker search`: most stars first)'))
    .argument('<server>', 'the Index, host:port')
    .argument('<term>', 'what to look for')
    .addOption(new Option('--limit <n>', 'at most this many results (1-100)').default('25'))
    .option('-s, --stars <n>', 'only repositories with at least this many stars')
    .option('--no-trunc', 'do not cut long descriptions')
    .action(async (server: string, term: string, _opts: unknown, command: Command) => {
      const opts = optionsOf<GlobalOptions & { limit: string; trunc: boolean; stars?: string }>(command);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new CliError(`--limit must be a whole number from 1 to 100, got ${opts.limit}`, EXIT_USAGE);
      const minStars = Number(opts.stars ?? 0);
      if (!Number.isInteger(minStars) || minStars < 0) throw new CliError(`--stars must be a whole number of at least 0, got ${opts.stars}`, EXIT_USAGE);
      await withClient(server, opts, async (client) => {
        const found = await client.search(term, { limit });
        // Docker Hub's order: most stars first, then by name.
        const results = found.results.filter((h) => h.starCount >= minStars).sort((x, y) => y.starCount - x.starCount || x.name.localeCompare(y.name));
        return { ...found, results };
      }, (r) => formatSearchTable(r.results, opts.trunc));
    });

  const repo = program.command('repo').description('Manage a repository on the Index: info, description, privacy, stars, collaborators');
  const repoAction = (name: string, description: string, run: (client: V1Client, ref: ImageReference, text: string | undefined) => Promise<unknown>, summary: (r: unknown, ref: ImageReference) => string, takesText = false) => {
    const command = addNetwork(repo.command(name).description(description)).argument('<target>', 'SERVER/NAME');
    if (takesText) command.argument('<text>', 'the new description');
    command.action(async (target: string, ...rest: unknown[]) => {
      const opts = optionsOf<GlobalOptions>(rest.at(-1) as Command);
      const text = takesText ? (rest[0] as string) : undefined;
      const ref = parseTarget(target);
      await withClient(ref.server, opts, (client) => run(client, ref, text), (r) => summary(r, ref));
    });
  };
  const nameOf = (ref: ImageReference) => `${ref.name.namespace}/${ref.name.repository}`;
  repoAction('info', 'Show description, privacy, owner, collaborators and stars', (c, ref) => c.repositoryInfo(ref), (r) => {
    const info = r as { name: string; description: string; private: boolean; owner: string; collaborators: string[]; star_count: number; updated: string };
    return [`${info.name} (${info.private ? 'private' : 'public'}), owner ${info.owner}, ${info.star_count} star(s), updated ${info.updated}`, ...(info.description ? [info.description] : []), ...(info.collaborators.length ? [`collaborators: ${info.collaborators.join(', ')}`] : [])].join('\n');
  });
  repoAction('set-description', 'Set the description', (c, ref, text) => c.updateRepository(ref, { description: text ?? '' }), (_r, ref) => `description of ${nameOf(ref)} set`, true);
  repoAction('private', 'Make the repository private (readers: owner, organisation, collaborators)', (c, ref) => c.updateRepository(ref, { private: true }), (_r, ref) => `${nameOf(ref)} is private`);
  repoAction('public', 'Make the repository public', (c, ref) => c.updateRepository(ref, { private: false }), (_r, ref) => `${nameOf(ref)} is public`);
  repoAction('star', 'Star the repository', (c, ref) => c.setStar(ref, true), (r, ref) => `starred ${nameOf(ref)} (${(r as { star_count: number }).star_count} star(s))`);
  repoAction('unstar', 'Remove your star', (c, ref) => c.setStar(ref, false), (r, ref) => `unstarred ${nameOf(ref)} (${(r as { star_count: number }).star_count} star(s))`);
  const collaborators = repo.command('collaborators').description('Add or remove a collaborator (reads and pushes, never deletes)');
  for (const [verb, present] of [['add', true], ['remove', false]] as const) {
    addNetwork(collaborators.command(verb).description(`${verb === 'add' ? 'Add' : 'Remove'} a collaborator`))
      .argument('<target>', 'SERVER/NAME')
      .argument('<user>', 'the collaborator')
      .action(async (target: string, user: string, _opts: unknown, command: Command) => {
        const ref = parseTarget(target);
        await withClient(ref.server, optionsOf<GlobalOptions>(command), (c) => c.setCollaborator(ref, user, present), (r) => `collaborators of ${nameOf(ref)}: ${(r as { collaborators: string[] }).collaborators.join(', ') || 'none'}`);
      });
  }

  const webhooks = repo.command('webhooks').description('The repository\'s webhooks: list, add, remove, and a hook\'s deliveries');
  interface HookView { id: string; url: string; events: string[]; secret?: string }
  addNetwork(webhooks.command('list').description('List the hooks (their secrets are never shown again)'))
    .argument('<target>', 'SERVER/NAME')
    .action(async (target: string, _opts: unknown, command: Command) => {
      const ref = parseTarget(target);
      await withClient(ref.server, optionsOf<GlobalOptions>(command), (c) => c.webhooks(ref), (r) => {
        const hooks = (r as { webhooks: HookView[] }).webhooks;
        return hooks.length === 0 ? `no webhooks on ${nameOf(ref)}` : hooks.map((h) => `${h.id}  ${h.url}  ${h.events.join(',')}`).join('\n');
      });
    });
  addNetwork(webhooks.command('add').description('Add a hook; prints its secret, this once'))
    .argument('<target>', 'SERVER/NAME')
    .argument('<url>', 'where to POST the events (http:// or https://)')
    .option('--events <list>', 'comma-separated: push, tag, create, delete (default all)')
    .option('--secret <secret>', 'the HMAC key (16 to 256 characters; default a generated one)')
    .action(async (target: string, url: string, _opts: unknown, command: Command) => {
      const ref = parseTarget(target);
      const opts = optionsOf<GlobalOptions & { events?: string; secret?: string }>(command);
      const hook = { url, ...(opts.events ? { events: opts.events.split(',').map((e) => e.trim()).filter(Boolean) } : {}), ...(opts.secret ? { secret: opts.secret } : {}) };
      await withClient(ref.server, opts, (c) => c.addWebhook(ref, hook), (r) => {
        const added = r as HookView;
        return `added webhook ${added.id} on ${nameOf(ref)} for ${added.events.join(',')}; its secret (shown this once): ${added.secret}`;
      });
    });
  addNetwork(webhooks.command('remove').description('Remove a hook'))
    .argument('<target>', 'SERVER/NAME')
    .argument('<id>', 'the hook\'s id (webhooks list)')
    .action(async (target: string, id: string, _opts: unknown, command: Command) => {
      const ref = parseTarget(target);
      await withClient(ref.server, optionsOf<GlobalOptions>(command), (c) => c.removeWebhook(ref, id), () => `removed webhook ${id} from ${nameOf(ref)}`);
    });
  addNetwork(webhooks.command('deliveries').description('A hook\'s last deliveries, each try with its status'))
    .argument('<target>', 'SERVER/NAME')
    .argument('<id>', 'the hook\'s id (webhooks list)')
    .action(async (target: string, id: string, _opts: unknown, command: Command) => {
      const ref = parseTarget(target);
      await withClient(ref.server, optionsOf<GlobalOptions>(command), (c) => c.webhookDeliveries(ref, id), (r) => {
        const deliveries = (r as { deliveries: { id: string; event: string; state: string; created: string; attempts: { status: number; error?: string }[] }[] }).deliveries;
        if (deliveries.length === 0) return `no deliveries yet for webhook ${id}`;
        return deliveries.map((d) => `${d.created}  ${d.event}  ${d.state}  tries: ${d.attempts.map((a) => (a.status === 0 ? 'no answer' : String(a.status))).join(', ') || 'none yet'}`).join('\n');
      });
    });

  const org = program.command('org').description('Organisations: namespaces owned by several users');
  addNetwork(org.command('create').description('Create an organisation; you own it'))
    .argument('<server>', 'the Index, host:port')
    .argument('<org>', 'its name (as a username: 4-30 of [a-z0-9_])')
    .action(async (server: string, name: string, _opts: unknown, command: Command) => {
      await withClient(server, optionsOf<GlobalOptions>(command), (c) => c.createOrganization(name), () => `created organisation ${name}; push to ${server}/${name}/NAME`);
    });
  addNetwork(org.command('members').description('List the members, or add or remove one'))
    .argument('<server>', 'the Index, host:port')
    .argument('<org>', 'the organisation')
    .argument('[change]', 'add or remove')
    .argument('[user]', 'the member to add or remove')
    .action(async (server: string, name: string, change: string | undefined, user: string | undefined, _opts: unknown, command: Command) => {
      if (change !== undefined && change !== 'add' && change !== 'remove') throw new CliError(`org members: say add or remove, not ${change}`, EXIT_USAGE);
      if (change !== undefined && user === undefined) throw new CliError(`org members ${change}: name the user (v1hub org members SERVER ORG ${change} USER)`, EXIT_USAGE);
      const run = (c: V1Client) => (change === undefined ? c.organization(name) : c.setOrganizationMember(name, user as string, change === 'add'));
      await withClient(server, optionsOf<GlobalOptions>(command), run, (r) => `members of ${name}: ${(r as { members: string[] }).members.join(', ')}`);
    });

  addNetwork(program.command('tags').description('List the tags of SERVER/NAME'))
    .argument('<target>', 'SERVER/NAME')
    .action(async (target: string, _opts: unknown, command: Command) => {
      const opts = optionsOf<GlobalOptions>(command);
      const ref = parseTarget(target);
      await withClient(ref.server, opts, (client) => client.tags(ref), (r) => Object.entries(r.tags).map(([tag, id]) => `${tag.padEnd(20)} ${id}`).join('\n') || `${r.repository} has no tags`);
    });
}

/** Docker's width for a description before it is cut. */
const DESCRIPTION_WIDTH = 45;

/** `docker search`'s columns; a description longer than 45 characters ends in "…" unless `truncate` is false. */
export function formatSearchTable(hits: readonly SearchHit[], truncate: boolean): string {
  const cut = (text: string) => (truncate && text.length > DESCRIPTION_WIDTH ? `${text.slice(0, DESCRIPTION_WIDTH - 1)}…` : text);
  const rows = hits.map((h) => [h.name, cut((h.description ?? '').replace(/\s+/g, ' ').trim()), String(h.starCount), h.isOfficial ? '[OK]' : '', h.isAutomated ? '[OK]' : '']);
  const header = ['NAME', 'DESCRIPTION', 'STARS', 'OFFICIAL', 'AUTOMATED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i] as number)).join('   ').trimEnd()).join('\n');
}

/**
 * What an interrupted pull leaves next to its destination: the staging directory of its layers
 * (`.<name>.v1hub-XXXXXX`) and the tarball being written (`<name>.<hex>.tmp`), made since `since`. Removes
 * them (a later pull starts afresh; it never reuses them) and says what it removed.
 */
async function removePartialPull(to: string, since: number): Promise<string> {
  const dir = dirname(to);
  const name = basename(to);
  const removed: string[] = [];
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    if (!entry.startsWith(`.${name}.v1hub-`) && !(entry.startsWith(`${name}.`) && entry.endsWith('.tmp'))) continue;
    const full = join(dir, entry);
    const info = await stat(full).catch(() => null);
    if (info === null || info.mtimeMs < since - 1000) continue;
    await rm(full, { recursive: true, force: true });
    removed.push(entry);
  }
  return removed.length > 0 ? `removed the partial download (${removed.join(', ')})` : 'nothing partial was left';
}
