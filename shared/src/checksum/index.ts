// Public API of the checksum module: the v1 payload checksum (§7.1), TarSum (§7.2) and the
// single-pass layer digester built on both.

export { PayloadChecksum, createPayloadChecksum, payloadChecksum } from './payload-checksum.js';
export { TARSUM_VERSIONS, TarSum, isTarSumVersion } from './tarsum.js';
export type { FileSum, TarSumOptions, TarSumVersion } from './tarsum.js';
export { createLayerDigester, digestAlongside, digestFile, digestStream, digestTap } from './layer-digester.js';
export type { LayerDigester, LayerDigesterOptions, LayerDigests } from './layer-digester.js';
export { tarsumOfFile } from './tarsum-file.js';
export type { TarSumOfFileOptions } from './tarsum-file.js';
export { DigestWorkerError, LayerDigestPool, layerDigestPoolForThisMachine, sharedLayerDigestPool } from './digest-pool.js';
export type { DigestRequest, OffThreadDigest } from './digest-pool.js';
