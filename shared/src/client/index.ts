// Public API of the v1 client shim ("@v1hub/shared/client"): the workflows, the per-route APIs under them,
// the transport and its exchange records, the docker save reader/writer and the credential store.

export { createV1Client } from './v1-client.js';
export { createV2Client, V2ClientError, type V2Client, type V2Image, type V2PullResult } from './v2-client.js';
export type { V1Client, V1ClientOptions } from './v1-client.js';
export { V1ClientError, serverMessageOf } from './client-error.js';
export type { V1ClientErrorCode, V1ClientErrorInit } from './client-error.js';
export type { PingResult } from './ping.js';
export type { LoginInput, LoginResult } from './login.js';
export type { PullOptions } from './pull.js';
export type { SearchHit, SearchResult } from './search.js';
export type { TagsResult } from './list-tags.js';
export type { DeleteReport, PulledImage, PullReport, PushedImage, PushReport, ReportStep } from './reports.js';

export { Transport, TransportError, NotAnsweringError, DEFAULT_TIMEOUT_MS, DOCKER_USER_AGENT, GO_USER_AGENT, CLIENT_ONLY_ROUTES, networkReason, tlsReason } from './transport.js';
export type { ClientRouteName, RequestBody, RetryNotice, TransportOptions, TransportRequest } from './transport.js';
export { TransportResponse } from './transport-response.js';
export { maskHeaders, maskHeaderValue } from './exchange.js';
export type { Exchange, ExchangeHook } from './exchange.js';
export type { LayerProgressEvent, LayerProgressHook } from './progress.js';
export { DEFAULT_RETRY_POLICY, backoffDelay, resolveRetryPolicy } from './retry.js';
export type { RetryPolicy } from './retry.js';

export { IndexApi } from './index-api.js';
export type { AuthOptions, ImageIndexEntry, Registration } from './index-api.js';
export { RegistryApi } from './registry-api.js';
export {
  EMPTY_BASIC,
  basicAuthorization,
  canonicalRepoParams,
  endpointUrl,
  indexRepoParams,
  readStandalone,
  registryEndpoints,
  remoteRepository,
  toImageReference,
  tokenAuthorization,
} from './remote.js';
export type { BasicCredentials, RemoteRepository } from './remote.js';

export { planPush } from './image-source.js';
export type { LocalImage, LocalImageSet, PushPlan, TagTarget } from './image-source.js';
export { openDockerSave } from './docker-save.js';
export type { DockerSaveArchive, DockerSaveImage, DockerSaveSelection } from './docker-save.js';
export { writeDockerSave } from './docker-save-writer.js';
export type { DockerSaveContent, SavedImage } from './docker-save-writer.js';

export { defaultConfigPath, getCredentials, readCredentialsFile, removeCredentials, saveCredentials, serverKey } from './credentials.js';
export type { CredentialsFile, StoredAuth } from './credentials.js';
export { EXAMPLE_REPOSITORY, EXAMPLE_TAG, buildExampleImages, writeExampleImage } from './example-image.js';
export type { ExampleImage } from './example-image.js';
