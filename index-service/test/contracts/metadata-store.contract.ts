/**
 * The MetadataStore contract (store/metadata-store.ts), run against every implementation by its spec:
 *
 *   metadataStoreContract('memory', async (options) => ({ store: new MemoryMetadataStore(options), dispose: async () => {} }));
 *
 * Each test gets a fresh, empty store from `open` and disposes of it afterwards, so tests never see each
 * other's data. Not matched by *.spec.ts: it runs only when a spec calls it.
 */
import { expect } from 'chai';
import {
  DELIVERY_HISTORY,
  ConflictError,
  NotFoundError,
  type AuditEvent,
  type ImageEntry,
  type MetadataStore,
  type OrganizationRecord,
  type RepositoryRecord,
  type SessionRecord,
  type DeliveryRecord,
  type WebhookRecord,
  type TokenRecord,
  type UserRecord,
} from '../../src/store/metadata-store.js';

export interface ContractStoreOptions {
  /** The suite opens every store with this audit capacity so that trimming is cheap to observe. */
  readonly auditCapacity: number;
}

export interface OpenedStore {
  readonly store: MetadataStore;
  /** Closes the store and removes whatever it left behind (directory, key prefix). */
  dispose(): Promise<void>;
}

export type OpenStore = (options: ContractStoreOptions) => Promise<OpenedStore>;

const AUDIT_CAPACITY = 5;
const T0 = Date.UTC(2015, 0, 22);
const MINUTE = 60_000;

export function user(username: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return { username, email: `${username}@example.com`, passwordHash: `scrypt$${username}`, active: true, admin: false, createdAt: T0, ...overrides };
}

export function repository(namespace: string, name: string, overrides: Partial<RepositoryRecord> = {}): RepositoryRecord {
  return {
    namespace,
    repository: name,
    owner: namespace,
    private: false,
    description: '',
    collaborators: [],
    deletePending: false,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function token(repo: string, signature: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
  const now = Date.now();
  return { signature, repository: repo, access: 'read', user: 'alice', issuedAt: now, expiresAt: now + 10 * MINUTE, ...overrides };
}

export function session(id: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return { id, username: 'alice', csrf: `csrf-${id}`, credential: 'fp', createdAt: now, expiresAt: now + 10 * MINUTE, ...overrides };
}

export function webhook(id: string, repository = 'alice/app', overrides: Partial<WebhookRecord> = {}): WebhookRecord {
  return { id, repository, url: `http://hooks.example/${id}`, secret: `secret-${id}`, events: ['push', 'delete'], createdBy: 'alice', createdAt: T0, ...overrides };
}

export function delivery(id: string, hookId = 'h1', overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return { id, hookId, repository: 'alice/app', url: 'http://hooks.example/h1', event: 'push', body: `{"n":"${id}"}`, headers: { 'X-V1hub-Signature': `sha256=${id}` }, createdAt: T0, state: 'pending', nextAt: T0, attempts: [], ...overrides };
}

function organization(name: string, owner: string, members: string[] = []): OrganizationRecord {
  return { name, owner, members, createdAt: T0 };
}

function auditEvent(n: number): AuditEvent {
  return { time: T0 + n, kind: 'token-issued', user: 'alice', repository: 'alice/app', access: 'read', result: 'granted', token: `abc${n}` };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject');
}

export function metadataStoreContract(label: string, open: OpenStore): void {
  describe(`MetadataStore contract — ${label}`, function () {
    let opened: OpenedStore | undefined;
    let store: MetadataStore;

    beforeEach(async function () {
      opened = await open({ auditCapacity: AUDIT_CAPACITY });
      store = opened.store;
    });

    afterEach(async function () {
      await opened?.dispose();
      opened = undefined;
    });

    it('answers ping when the backend is up', async function () {
      await store.ping();
    });

    describe('users', function () {
      it('returns a created user from get', async function () {
        await store.users.create(user('alice'));
        expect(await store.users.get('alice')).to.deep.equal(user('alice'));
      });

      it('returns null for an unknown user', async function () {
        expect(await store.users.get('nobody')).to.equal(null);
      });

      it('rejects ConflictError(username) when the username is taken', async function () {
        await store.users.create(user('alice'));
        const err = await rejection(store.users.create(user('alice', { email: 'other@example.com' })));
        expect(err).to.be.instanceOf(ConflictError).with.property('field', 'username');
      });

      it('rejects ConflictError(email) when the email is taken, ignoring case', async function () {
        await store.users.create(user('alice'));
        const err = await rejection(store.users.create(user('bob', { email: 'ALICE@example.com' })));
        expect(err).to.be.instanceOf(ConflictError).with.property('field', 'email');
        expect(await store.users.get('bob')).to.equal(null);
      });

      it('rejects ConflictError(username) when the name belongs to an organisation', async function () {
        await store.users.create(user('alice'));
        await store.organizations.create(organization('acme', 'alice'));
        const err = await rejection(store.users.create(user('acme')));
        expect(err).to.be.instanceOf(ConflictError).with.property('field', 'username');
      });

      it('leaves the email free when a create is refused', async function () {
        await store.users.create(user('alice'));
        await store.organizations.create(organization('acme', 'alice'));
        await rejection(store.users.create(user('acme', { email: 'shared@example.com' })));
        await store.users.create(user('carol', { email: 'shared@example.com' }));
        expect(await store.users.get('carol')).to.deep.include({ email: 'shared@example.com' });
      });

      it('updates only the given fields and returns the stored record', async function () {
        await store.users.create(user('alice'));
        const updated = await store.users.update('alice', { active: false, admin: true, email: undefined });
        expect(updated).to.deep.equal(user('alice', { active: false, admin: true }));
        expect(await store.users.get('alice')).to.deep.equal(updated);
      });

      it('rejects NotFoundError when updating an unknown user', async function () {
        const err = await rejection(store.users.update('nobody', { active: false }));
        expect(err).to.be.instanceOf(NotFoundError).with.property('what', 'user');
      });

      it('rejects ConflictError(email) when the new email belongs to another user', async function () {
        await store.users.create(user('alice'));
        await store.users.create(user('bob'));
        const err = await rejection(store.users.update('bob', { email: 'Alice@Example.com' }));
        expect(err).to.be.instanceOf(ConflictError).with.property('field', 'email');
        expect(await store.users.get('bob')).to.deep.equal(user('bob'));
      });

      it('lets a user change the case of their own email', async function () {
        await store.users.create(user('alice'));
        expect(await store.users.update('alice', { email: 'Alice@example.com' })).to.deep.include({ email: 'Alice@example.com' });
      });

      it('frees the old email after an email change', async function () {
        await store.users.create(user('alice'));
        await store.users.update('alice', { email: 'new@example.com' });
        await store.users.create(user('bob', { email: 'alice@example.com' }));
        const err = await rejection(store.users.create(user('carol', { email: 'new@example.com' })));
        expect(err).to.be.instanceOf(ConflictError).with.property('field', 'email');
      });

      it('counts users, not organisations', async function () {
        expect(await store.users.count()).to.equal(0);
        await store.users.create(user('alice'));
        await store.users.create(user('bob'));
        await store.organizations.create(organization('acme', 'alice'));
        expect(await store.users.count()).to.equal(2);
      });
    });

    describe('organizations', function () {
      it('returns a created organisation with its owner among the sorted members', async function () {
        await store.organizations.create(organization('acme', 'mallory', ['zed', 'bob']));
        expect(await store.organizations.get('acme')).to.deep.equal(organization('acme', 'mallory', ['bob', 'mallory', 'zed']));
      });

      it('returns null for an unknown organisation', async function () {
        expect(await store.organizations.get('nothing')).to.equal(null);
      });

      it('rejects ConflictError(username) when the name is a user or an organisation', async function () {
        await store.users.create(user('alice'));
        await store.organizations.create(organization('acme', 'alice'));
        for (const name of ['alice', 'acme']) {
          const err = await rejection(store.organizations.create(organization(name, 'alice')));
          expect(err).to.be.instanceOf(ConflictError).with.property('field', 'username');
        }
      });

      it('adds and removes members idempotently, keeping them sorted', async function () {
        await store.organizations.create(organization('acme', 'mallory'));
        await store.organizations.addMember('acme', 'carol');
        expect(await store.organizations.addMember('acme', 'bob')).to.deep.include({ members: ['bob', 'carol', 'mallory'] });
        expect(await store.organizations.addMember('acme', 'bob')).to.deep.include({ members: ['bob', 'carol', 'mallory'] });
        expect(await store.organizations.removeMember('acme', 'carol')).to.deep.include({ members: ['bob', 'mallory'] });
        expect(await store.organizations.removeMember('acme', 'carol')).to.deep.include({ members: ['bob', 'mallory'] });
        expect(await store.organizations.get('acme')).to.deep.include({ members: ['bob', 'mallory'] });
      });

      it('rejects NotFoundError when changing members of an unknown organisation', async function () {
        for (const change of [store.organizations.addMember('nothing', 'bob'), store.organizations.removeMember('nothing', 'bob')]) {
          const err = await rejection(change);
          expect(err).to.be.instanceOf(NotFoundError).with.property('what', 'organization');
        }
      });
    });

    describe('repositories', function () {
      it('creates a repository once and then returns the stored record', async function () {
        const first = await store.repositories.create(repository('alice', 'app', { collaborators: ['zed', 'bob'] }));
        expect(first).to.deep.equal({ record: repository('alice', 'app', { collaborators: ['bob', 'zed'] }), created: true });
        const second = await store.repositories.create(repository('alice', 'app', { description: 'other', owner: 'eve' }));
        expect(second).to.deep.equal({ record: first.record, created: false });
        expect(await store.repositories.get('alice', 'app')).to.deep.equal(first.record);
      });

      it('returns null for an unknown repository', async function () {
        expect(await store.repositories.get('alice', 'nothing')).to.equal(null);
      });

      it('updates the given fields and sets updatedAt', async function () {
        await store.repositories.create(repository('alice', 'app'));
        const updated = await store.repositories.update('alice', 'app', { private: true, description: 'mine', collaborators: ['carol', 'bob'], deletePending: true }, T0 + 5);
        const expected = repository('alice', 'app', { private: true, description: 'mine', collaborators: ['bob', 'carol'], deletePending: true, updatedAt: T0 + 5 });
        expect(updated).to.deep.equal(expected);
        expect(await store.repositories.get('alice', 'app')).to.deep.equal(expected);
      });

      it('rejects NotFoundError when updating an unknown repository', async function () {
        const err = await rejection(store.repositories.update('alice', 'nothing', { private: true }, T0));
        expect(err).to.be.instanceOf(NotFoundError).with.property('what', 'repository');
      });

      it('deletes a repository with its images, stars and tokens', async function () {
        await store.repositories.create(repository('alice', 'app'));
        await store.repositories.mergeImages('alice', 'app', [{ id: 'a1' }]);
        await store.repositories.star('alice', 'app', 'bob');
        await store.tokens.save(token('alice/app', 'sig-1'));
        expect(await store.repositories.delete('alice', 'app')).to.equal(true);
        expect(await store.repositories.get('alice', 'app')).to.equal(null);
        expect(await store.repositories.listImages('alice', 'app')).to.equal(null);
        expect(await store.tokens.get('alice/app', 'sig-1')).to.equal(null);
        expect(await store.repositories.listAll()).to.deep.equal([]);
        await store.repositories.create(repository('alice', 'app'));
        expect(await store.repositories.listImages('alice', 'app')).to.deep.equal([]);
        expect(await store.repositories.listAll()).to.have.nested.property('[0].starCount', 0);
        expect(await store.tokens.get('alice/app', 'sig-1')).to.equal(null);
      });

      it('answers false when deleting an unknown repository', async function () {
        expect(await store.repositories.delete('alice', 'nothing')).to.equal(false);
      });

      it('lists all repositories sorted by name, with star counts', async function () {
        await store.repositories.create(repository('bob', 'web', { description: 'site', private: true, collaborators: ['carol'] }));
        await store.repositories.create(repository('alice', 'zeta'));
        await store.repositories.create(repository('alice', 'app'));
        await store.repositories.star('bob', 'web', 'alice');
        await store.repositories.star('bob', 'web', 'carol');
        await store.repositories.star('alice', 'zeta', 'bob');
        expect(await store.repositories.listAll()).to.deep.equal([
          { namespace: 'alice', repository: 'app', description: '', private: false, owner: 'alice', collaborators: [], starCount: 0, createdAt: T0, updatedAt: T0 },
          { namespace: 'alice', repository: 'zeta', description: '', private: false, owner: 'alice', collaborators: [], starCount: 1, createdAt: T0, updatedAt: T0 },
          { namespace: 'bob', repository: 'web', description: 'site', private: true, owner: 'bob', collaborators: ['carol'], starCount: 2, createdAt: T0, updatedAt: T0 },
        ]);
      });

      it('searches names and descriptions for a substring, lower-cased, sorted by name, with star counts', async function () {
        await store.repositories.create(repository('alice', 'webapp', { description: 'A Small Web Server' }));
        await store.repositories.create(repository('bob', 'tools', { description: 'Café utilities, ÉTÉ edition' }));
        await store.repositories.create(repository('carol', 'db', { description: 'postgres' }));
        await store.repositories.star('bob', 'tools', 'alice');
        const names = async (term: string) => (await store.repositories.search(term)).map((r) => `${r.namespace}/${r.repository}`);
        expect(await names('web')).to.deep.equal(['alice/webapp']);
        expect(await names('SMALL WEB')).to.deep.equal(['alice/webapp']);
        expect(await names('ice/web'), 'across the slash').to.deep.equal(['alice/webapp']);
        expect(await names('café')).to.deep.equal(['bob/tools']);
        expect(await names('été'), 'non-ASCII, lower-cased').to.deep.equal(['bob/tools']);
        expect(await names('o'), 'a term too short for trigrams').to.deep.equal(['bob/tools', 'carol/db']);
        expect(await names('db'), 'two characters').to.deep.equal(['carol/db']);
        expect(await names('')).to.deep.equal(['alice/webapp', 'bob/tools', 'carol/db']);
        expect(await names('nothing like it')).to.deep.equal([]);
        expect(await names('db\npost'), 'name and description are matched separately').to.deep.equal([]);
        expect((await store.repositories.search('tools'))[0]).to.include({ starCount: 1, description: 'Café utilities, ÉTÉ edition' });
      });

      it('keeps search in step with description changes and deletes', async function () {
        await store.repositories.create(repository('alice', 'app', { description: 'first words' }));
        const names = async (term: string) => (await store.repositories.search(term)).map((r) => `${r.namespace}/${r.repository}`);
        expect(await names('first')).to.deep.equal(['alice/app']);
        await store.repositories.update('alice', 'app', { description: 'second thoughts' }, T0 + 1);
        expect(await names('first')).to.deep.equal([]);
        expect(await names('thoughts')).to.deep.equal(['alice/app']);
        await store.repositories.delete('alice', 'app');
        expect(await names('thoughts')).to.deep.equal([]);
        expect(await names('alice')).to.deep.equal([]);
        await store.repositories.create(repository('alice', 'app'));
        expect(await names('thoughts'), 'a repository created again has only its new text').to.deep.equal([]);
        expect(await names('alice/app')).to.deep.equal(['alice/app']);
      });

      it('stars and unstars idempotently, returning the count', async function () {
        await store.repositories.create(repository('alice', 'app'));
        expect(await store.repositories.star('alice', 'app', 'bob')).to.equal(1);
        expect(await store.repositories.star('alice', 'app', 'bob')).to.equal(1);
        expect(await store.repositories.star('alice', 'app', 'carol')).to.equal(2);
        expect(await store.repositories.unstar('alice', 'app', 'bob')).to.equal(1);
        expect(await store.repositories.unstar('alice', 'app', 'bob')).to.equal(1);
        expect(await store.repositories.starCount('alice', 'app')).to.equal(1);
        expect(await store.repositories.starCount('alice', 'nothing')).to.equal(0);
      });

      it('says who stars a repository', async function () {
        await store.repositories.create(repository('alice', 'app'));
        await store.repositories.star('alice', 'app', 'bob');
        expect(await store.repositories.starredBy('alice', 'app', 'bob')).to.equal(true);
        expect(await store.repositories.starredBy('alice', 'app', 'carol')).to.equal(false);
        expect(await store.repositories.starredBy('alice', 'nothing', 'bob')).to.equal(false);
        await store.repositories.unstar('alice', 'app', 'bob');
        expect(await store.repositories.starredBy('alice', 'app', 'bob')).to.equal(false);
      });

      it('rejects NotFoundError when starring an unknown repository', async function () {
        for (const change of [store.repositories.star('alice', 'nothing', 'bob'), store.repositories.unstar('alice', 'nothing', 'bob')]) {
          const err = await rejection(change);
          expect(err).to.be.instanceOf(NotFoundError).with.property('what', 'repository');
        }
      });

      it('counts 20 concurrent stars', async function () {
        await store.repositories.create(repository('alice', 'app'));
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.repositories.star('alice', 'app', `user${i}`)));
        expect(await store.repositories.listAll()).to.have.nested.property('[0].starCount', 20);
      });
    });

    describe('image lists', function () {
      it('answers null for an unknown repository and [] for one without images', async function () {
        expect(await store.repositories.listImages('alice', 'app')).to.equal(null);
        await store.repositories.create(repository('alice', 'app'));
        expect(await store.repositories.listImages('alice', 'app')).to.deep.equal([]);
      });

      it('stores the first list verbatim, Tag keys included', async function () {
        await store.repositories.create(repository('alice', 'app'));
        const first: ImageEntry[] = [{ id: 'b2', Tag: 'latest', comment: 'kept as sent', size: 7 }, { id: 'a1', checksum: 'sha256:a1', Tag: 'latest' }];
        expect(await store.repositories.mergeImages('alice', 'app', first)).to.deep.equal(first);
        expect(await store.repositories.listImages('alice', 'app')).to.deep.equal(first);
      });

      it('normalises later merges to id and checksum, appending new ids in order', async function () {
        await store.repositories.create(repository('alice', 'app'));
        await store.repositories.mergeImages('alice', 'app', [{ id: 'b2', Tag: 'latest' }, { id: 'a1', checksum: 'sha256:a1', Tag: 'latest' }]);
        const merged = await store.repositories.mergeImages('alice', 'app', [{ id: 'c3', checksum: 'sha256:c3', Tag: 'v2' }, { id: 'b2' }]);
        const expected = [{ id: 'b2' }, { id: 'a1', checksum: 'sha256:a1' }, { id: 'c3', checksum: 'sha256:c3' }];
        expect(merged).to.deep.equal(expected);
        expect(await store.repositories.listImages('alice', 'app')).to.deep.equal(expected);
      });

      it('never overwrites a stored checksum but fills in a missing one', async function () {
        await store.repositories.create(repository('alice', 'app'));
        await store.repositories.mergeImages('alice', 'app', [{ id: 'a1', checksum: 'sha256:old' }, { id: 'b2' }]);
        const merged = await store.repositories.mergeImages('alice', 'app', [
          { id: 'a1', checksum: 'sha256:new' },
          { id: 'b2', checksum: 'sha256:b2' },
        ]);
        expect(merged).to.deep.equal([{ id: 'a1', checksum: 'sha256:old' }, { id: 'b2', checksum: 'sha256:b2' }]);
      });

      it('never removes an entry', async function () {
        await store.repositories.create(repository('alice', 'app'));
        await store.repositories.mergeImages('alice', 'app', [{ id: 'a1' }, { id: 'b2' }]);
        expect(await store.repositories.mergeImages('alice', 'app', [])).to.deep.equal([{ id: 'a1' }, { id: 'b2' }]);
        expect(await store.repositories.mergeImages('alice', 'app', [{ id: 'c3' }])).to.deep.equal([{ id: 'a1' }, { id: 'b2' }, { id: 'c3' }]);
      });

      it('rejects NotFoundError when merging into an unknown repository', async function () {
        const err = await rejection(store.repositories.mergeImages('alice', 'nothing', [{ id: 'a1' }]));
        expect(err).to.be.instanceOf(NotFoundError).with.property('what', 'repository');
      });

      it('loses nothing from 20 concurrent merges', async function () {
        await store.repositories.create(repository('alice', 'app'));
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.repositories.mergeImages('alice', 'app', [{ id: 'base' }, { id: `img${i}`, checksum: `sha256:${i}` }])),
        );
        const stored = (await store.repositories.listImages('alice', 'app')) ?? [];
        expect(stored.map((entry) => entry.id).sort()).to.deep.equal(['base', ...Array.from({ length: 20 }, (_, i) => `img${i}`)].sort());
        for (let i = 0; i < 20; i += 1) expect(stored.find((entry) => entry.id === `img${i}`)).to.have.property('checksum', `sha256:${i}`);
      });
    });

    describe('pushes in progress and image claims', function () {
      it('appends declared entries as given, keeps the first start, and ends the push once', async function () {
        await store.repositories.create(repository('alice', 'app'));
        expect(await store.repositories.getPending('alice', 'app')).to.equal(null);
        const first = await store.repositories.addPending('alice', 'app', [{ id: 'a1', Tag: 'latest' }], 'alice', 1000, 0);
        expect(first).to.deep.equal({ user: 'alice', startedAt: 1000, images: [{ id: 'a1', Tag: 'latest' }] });
        const second = await store.repositories.addPending('alice', 'app', [{ id: 'b2' }], 'bobby', 2000, 0);
        expect(second).to.deep.equal({ user: 'alice', startedAt: 1000, images: [{ id: 'a1', Tag: 'latest' }, { id: 'b2' }] });
        expect(await store.repositories.getPending('alice', 'app')).to.deep.equal(second);
        const taken = await Promise.all([store.repositories.takePending('alice', 'app'), store.repositories.takePending('alice', 'app')]);
        expect(taken.filter((t) => t !== null)).to.deep.equal([second]);
        expect(await store.repositories.getPending('alice', 'app')).to.equal(null);
      });

      it('starts afresh when the push in progress is abandoned, and refuses an unknown repository', async function () {
        await store.repositories.create(repository('alice', 'app'));
        await store.repositories.addPending('alice', 'app', [{ id: 'old' }], 'alice', 1000, 0);
        expect(await store.repositories.addPending('alice', 'app', [{ id: 'new' }], 'alice', 9000, 5000)).to.deep.equal({ user: 'alice', startedAt: 9000, images: [{ id: 'new' }] });
        expect(await rejection(store.repositories.addPending('alice', 'nothing', [], 'alice', 1, 0))).to.be.instanceOf(NotFoundError);
      });

      it('loses no entry of 20 concurrent declarations', async function () {
        await store.repositories.create(repository('alice', 'app'));
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.repositories.addPending('alice', 'app', [{ id: `img${i}` }], 'alice', 1000 + i, 0)));
        const pending = await store.repositories.getPending('alice', 'app');
        expect(pending?.images.map((e) => e.id).sort()).to.deep.equal(Array.from({ length: 20 }, (_, i) => `img${i}`).sort());
      });

      it('gives each id to the first repository that claims it, whoever races', async function () {
        const claims = await Promise.all(['alice/a', 'bobby/b', 'carol/c'].map((repo) => store.repositories.claimImages(repo, ['x1', 'x2'])));
        const winner = claims[0]?.x1 as string;
        for (const c of claims) expect(c).to.deep.equal({ x1: winner, x2: c.x2 });
        expect(await store.repositories.claimImages('dave/d', ['x1', 'y9'])).to.deep.equal({ x1: winner, y9: 'dave/d' });
        expect(await store.repositories.imageClaims(['x1', 'y9', 'none'])).to.deep.equal({ x1: winner, y9: 'dave/d' });
        expect(await store.repositories.imageClaims([])).to.deep.equal({});
      });

      it('drops the push in progress with its repository', async function () {
        await store.repositories.create(repository('alice', 'app'));
        await store.repositories.addPending('alice', 'app', [{ id: 'a1' }], 'alice', 1000, 0);
        await store.repositories.delete('alice', 'app');
        await store.repositories.create(repository('alice', 'app'));
        expect(await store.repositories.getPending('alice', 'app')).to.equal(null);
      });
    });

    describe('tokens', function () {
      beforeEach(async function () {
        await store.repositories.create(repository('alice', 'app'));
        await store.repositories.create(repository('alice', 'web'));
      });

      it('returns a saved token by repository and signature', async function () {
        const saved = token('alice/app', 'sig-1', { access: 'write', user: null });
        await store.tokens.save(saved);
        expect(await store.tokens.get('alice/app', 'sig-1')).to.deep.equal(saved);
      });

      it('returns null for an unknown signature or another repository', async function () {
        await store.tokens.save(token('alice/app', 'sig-1'));
        expect(await store.tokens.get('alice/app', 'sig-2')).to.equal(null);
        expect(await store.tokens.get('alice/web', 'sig-1')).to.equal(null);
        expect(await store.tokens.get('bob/nothing', 'sig-1')).to.equal(null);
      });

      it('rejects NotFoundError when saving for an unknown repository', async function () {
        const err = await rejection(store.tokens.save(token('alice/nothing', 'sig-1')));
        expect(err).to.be.instanceOf(NotFoundError).with.property('what', 'repository');
      });

      it('deletes one token, and accepts deleting an absent one', async function () {
        await store.tokens.save(token('alice/app', 'sig-1'));
        await store.tokens.save(token('alice/app', 'sig-2'));
        await store.tokens.delete('alice/app', 'sig-1');
        await store.tokens.delete('alice/app', 'sig-1');
        await store.tokens.delete('bob/nothing', 'sig-1');
        expect(await store.tokens.get('alice/app', 'sig-1')).to.equal(null);
        expect(await store.tokens.get('alice/app', 'sig-2')).to.not.equal(null);
      });

      it('revokes every token of one repository and counts them', async function () {
        for (const sig of ['s1', 's2', 's3']) await store.tokens.save(token('alice/app', sig));
        await store.tokens.save(token('alice/web', 's4'));
        expect(await store.tokens.revokeAll('alice/app')).to.equal(3);
        for (const sig of ['s1', 's2', 's3']) expect(await store.tokens.get('alice/app', sig)).to.equal(null);
        expect(await store.tokens.get('alice/web', 's4')).to.not.equal(null);
        expect(await store.tokens.revokeAll('alice/app')).to.equal(0);
        expect(await store.tokens.revokeAll('bob/nothing')).to.equal(0);
      });

      it('does not return a token saved already expired', async function () {
        await store.tokens.save(token('alice/app', 'sig-old', { expiresAt: Date.now() - MINUTE }));
        expect(await store.tokens.get('alice/app', 'sig-old')).to.equal(null);
      });

      it('forgets a token once it expires', async function () {
        await store.tokens.save(token('alice/app', 'sig-short', { expiresAt: Date.now() + 150 }));
        expect(await store.tokens.get('alice/app', 'sig-short')).to.not.equal(null);
        const deadline = Date.now() + 3_000;
        while ((await store.tokens.get('alice/app', 'sig-short')) !== null) {
          if (Date.now() > deadline) throw new Error('the expired token was still returned after 3 s');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      });
    });

    describe('sessions', function () {
      it('returns a saved session by id, and null for another id', async function () {
        const saved = session('a'.repeat(64));
        await store.sessions.save(saved);
        expect(await store.sessions.get('a'.repeat(64))).to.deep.equal(saved);
        expect(await store.sessions.get('b'.repeat(64))).to.equal(null);
      });

      it('deletes a session, and accepts deleting an absent one', async function () {
        await store.sessions.save(session('s1'));
        await store.sessions.save(session('s2'));
        await store.sessions.delete('s1');
        await store.sessions.delete('s1');
        expect(await store.sessions.get('s1')).to.equal(null);
        expect(await store.sessions.get('s2')).to.not.equal(null);
      });

      it('forgets a session once it expires, and never returns one saved expired', async function () {
        await store.sessions.save(session('old', { expiresAt: Date.now() - MINUTE }));
        expect(await store.sessions.get('old')).to.equal(null);
        await store.sessions.save(session('short', { expiresAt: Date.now() + 150 }));
        expect(await store.sessions.get('short')).to.not.equal(null);
        const deadline = Date.now() + 3_000;
        while ((await store.sessions.get('short')) !== null) {
          if (Date.now() > deadline) throw new Error('the expired session was still returned after 3 s');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      });
    });

    describe('webhooks and their deliveries', function () {
      it('adds, lists (oldest first), removes one and removes all of a repository', async function () {
        await store.webhooks.add(webhook('h1'));
        await store.webhooks.add(webhook('h2', 'alice/app', { createdAt: T0 + 1 }));
        await store.webhooks.add(webhook('h3', 'alice/web'));
        expect((await store.webhooks.list('alice/app')).map((h) => h.id)).to.deep.equal(['h1', 'h2']);
        expect(await store.webhooks.list('alice/app')).to.deep.include(webhook('h1'));
        expect(await store.webhooks.remove('alice/app', 'h1')).to.equal(true);
        expect(await store.webhooks.remove('alice/app', 'h1')).to.equal(false);
        expect(await store.webhooks.remove('alice/web', 'h2')).to.equal(false);
        await store.webhooks.removeAll('alice/app');
        expect(await store.webhooks.list('alice/app')).to.deep.equal([]);
        expect((await store.webhooks.list('alice/web')).map((h) => h.id)).to.deep.equal(['h3']);
      });

      it('claims due deliveries once, a lease ahead; a claim that runs out is due again', async function () {
        await store.webhooks.enqueue(delivery('d1', 'h1', { nextAt: T0 }));
        await store.webhooks.enqueue(delivery('d2', 'h1', { nextAt: T0 + 5 * MINUTE }));
        const first = await store.webhooks.claimDue(T0 + 1, 30_000, 10);
        expect(first.map((d) => [d.id, d.nextAt, d.attempts])).to.deep.equal([['d1', T0 + 1 + 30_000, []]]);
        expect(await store.webhooks.claimDue(T0 + 2, 30_000, 10)).to.deep.equal([]);
        expect((await store.webhooks.claimDue(T0 + 1 + 30_000, 30_000, 10)).map((d) => d.id)).to.deep.equal(['d1']);
      });

      it('two claimers at once never get the same delivery', async function () {
        for (let i = 0; i < 10; i += 1) await store.webhooks.enqueue(delivery(`d${i}`, 'h1', { nextAt: T0 + i }));
        const [a, b] = await Promise.all([store.webhooks.claimDue(T0 + 100, 30_000, 6), store.webhooks.claimDue(T0 + 100, 30_000, 6)]);
        const ids = [...(a ?? []), ...(b ?? [])].map((d) => d.id);
        expect(new Set(ids).size).to.equal(ids.length);
        expect(ids).to.have.length(10);
      });

      it('records tries: pending again later, then delivered; history is most recent first', async function () {
        await store.webhooks.enqueue(delivery('d1', 'h1'));
        await store.webhooks.enqueue(delivery('d2', 'h1', { createdAt: T0 + 1 }));
        const retry = await store.webhooks.recordAttempt('d1', { at: T0, status: 500, ms: 3 }, { state: 'pending', nextAt: T0 + 1000 });
        expect(retry).to.deep.include({ state: 'pending', nextAt: T0 + 1000 });
        expect(await store.webhooks.claimDue(T0 + 999, 1000, 10).then((l) => l.map((d) => d.id))).to.deep.equal(['d2']);
        const done = await store.webhooks.recordAttempt('d1', { at: T0 + 1000, status: 0, ms: 5000, error: 'timed out' }, { state: 'delivered' });
        expect(done?.attempts).to.deep.equal([{ at: T0, status: 500, ms: 3 }, { at: T0 + 1000, status: 0, ms: 5000, error: 'timed out' }]);
        expect(await store.webhooks.claimDue(T0 + 10 * MINUTE, 1000, 10).then((l) => l.map((d) => d.id))).to.deep.equal(['d2']);
        expect((await store.webhooks.history('h1', 10)).map((d) => [d.id, d.state])).to.deep.equal([['d2', 'pending'], ['d1', 'delivered']]);
        expect(await store.webhooks.recordAttempt('nope', { at: T0, status: 200, ms: 1 }, { state: 'delivered' })).to.equal(null);
      });

      it(`keeps the last ${DELIVERY_HISTORY} deliveries of a hook, never dropping a pending one`, async function () {
        await store.webhooks.enqueue(delivery('old-pending', 'h1'));
        for (let i = 0; i < DELIVERY_HISTORY + 5; i += 1) {
          await store.webhooks.enqueue(delivery(`d${i}`, 'h1', { createdAt: T0 + i + 1 }));
          await store.webhooks.recordAttempt(`d${i}`, { at: T0, status: 200, ms: 1 }, { state: 'delivered' });
        }
        const history = await store.webhooks.history('h1', 100);
        expect(history).to.have.length(DELIVERY_HISTORY);
        expect(history.map((d) => d.id)).to.include('old-pending').and.include(`d${DELIVERY_HISTORY + 4}`).and.not.include('d0');
      });
    });

    describe('audit log', function () {
      it('lists events most recent first, up to the limit', async function () {
        for (let n = 1; n <= 3; n += 1) await store.audit.append(auditEvent(n));
        expect(await store.audit.list(10)).to.deep.equal([auditEvent(3), auditEvent(2), auditEvent(1)]);
        expect(await store.audit.list(2)).to.deep.equal([auditEvent(3), auditEvent(2)]);
        expect(await store.audit.list(0)).to.deep.equal([]);
      });

      it(`keeps only the most recent ${AUDIT_CAPACITY} events`, async function () {
        for (let n = 1; n <= AUDIT_CAPACITY + 3; n += 1) await store.audit.append(auditEvent(n));
        const listed = await store.audit.list(100);
        expect(listed.map((event) => event.time - T0)).to.deep.equal([8, 7, 6, 5, 4]);
      });
    });

    describe('isolation of stored records', function () {
      it('is not changed by mutating objects passed in', async function () {
        const record = { ...user('alice') } as { -readonly [K in keyof UserRecord]: UserRecord[K] };
        await store.users.create(record);
        record.email = 'changed@example.com';
        const images = [{ id: 'a1' }] as { id: string; checksum?: string }[];
        await store.repositories.create(repository('alice', 'app'));
        await store.repositories.mergeImages('alice', 'app', images);
        (images[0] as { checksum?: string }).checksum = 'sha256:changed';
        images.push({ id: 'b2' });
        expect(await store.users.get('alice')).to.deep.equal(user('alice'));
        expect(await store.repositories.listImages('alice', 'app')).to.deep.equal([{ id: 'a1' }]);
      });

      it('is not changed by mutating objects handed out', async function () {
        await store.users.create(user('alice'));
        await store.organizations.create(organization('acme', 'alice'));
        await store.repositories.create(repository('alice', 'app'));
        await store.repositories.mergeImages('alice', 'app', [{ id: 'a1' }]);
        await store.tokens.save(token('alice/app', 'sig-1'));
        await store.audit.append(auditEvent(1));

        ((await store.users.get('alice')) as { email: string }).email = 'changed@example.com';
        ((await store.organizations.get('acme'))?.members as string[]).push('mallory');
        ((await store.repositories.get('alice', 'app')) as { description: string }).description = 'changed';
        ((await store.repositories.listImages('alice', 'app')) ?? []).push({ id: 'zz' });
        ((await store.tokens.get('alice/app', 'sig-1')) as { access: string }).access = 'delete';
        ((await store.audit.list(1))[0] as { result: string }).result = 'denied';

        expect(await store.users.get('alice')).to.deep.equal(user('alice'));
        expect(await store.organizations.get('acme')).to.deep.include({ members: ['alice'] });
        expect(await store.repositories.get('alice', 'app')).to.deep.include({ description: '' });
        expect(await store.repositories.listImages('alice', 'app')).to.deep.equal([{ id: 'a1' }]);
        expect(await store.tokens.get('alice/app', 'sig-1')).to.include({ access: 'read' });
        expect(await store.audit.list(1)).to.deep.equal([auditEvent(1)]);
      });
    });
  });
}
