/**
 * What each workflow returns: the steps it took (numbered as in v1-protocol.md §6), with image ids,
 * byte counts, endpoints and outcomes, so scenarios and tests can assert on them.
 */
import type { TagTarget } from './image-source.js';

/** One step of a workflow: one call, or one decision taken without a call. */
export interface ReportStep {
  /** The step number of v1-protocol.md §6 (`1`, `2.1`, `2.3`…). */
  readonly step: string;
  /** Route name of the call, or a word for a local decision (`skip`, `write`). */
  readonly action: string;
  /** HTTP status, when a call was made and answered. */
  readonly status?: number;
  /** `host:port` of the service called. */
  readonly endpoint?: string;
  readonly imageId?: string;
  /** Body bytes moved by this step (a layer's wire bytes). */
  readonly bytes?: number;
  readonly note?: string;
}

/** Collects the steps of one workflow run, in the order they happened. */
export class StepLog {
  private readonly entries: ReportStep[] = [];

  /** Records a step. */
  add(step: ReportStep): void {
    this.entries.push(step);
  }

  /** The steps so far, in order. */
  get steps(): readonly ReportStep[] {
    return this.entries;
  }
}

/** What happened to one image on one registry during a push. */
export interface PushedImage {
  readonly id: string;
  /** `host:port` of the registry. */
  readonly endpoint: string;
  /**
   * `uploaded`: json, layer and checksum sent. `present`: the existence check (GET json) said 200.
   * `already-exists`: PUT json answered `Image already exists` (§6.3 step 2.2), so layer and checksum
   * were skipped.
   */
  readonly outcome: 'uploaded' | 'present' | 'already-exists';
  /** Layer bytes sent (gzip), for uploaded images. */
  readonly layerBytes?: number;
  /** Size of the uncompressed layer tar, for uploaded images. */
  readonly tarBytes?: number;
  /** `tarsum+sha256:…` sent as `X-Docker-Checksum`. */
  readonly tarsum?: string;
  /** `sha256:…` sent as `X-Docker-Checksum-Payload`. */
  readonly payload?: string;
}

/** The result of a push. */
export interface PushReport {
  /** `ns/repo`. */
  readonly repository: string;
  readonly tags: readonly TagTarget[];
  /** Image ids in push order (parents first). */
  readonly imageIds: readonly string[];
  /** Registries pushed to, `host:port`, in order. */
  readonly endpoints: readonly string[];
  /** One entry per image and endpoint. */
  readonly images: readonly PushedImage[];
  readonly steps: readonly ReportStep[];
  /** Layer bytes sent over all endpoints. */
  readonly bytesSent: number;
  readonly ms: number;
}

/** One image fetched (or found already fetched) during a pull. */
export interface PulledImage {
  readonly id: string;
  /** `host:port` of the registry that served it. */
  readonly endpoint: string;
  /** Layer bytes as stored on the registry (usually gzip). */
  readonly layerBytes: number;
  /** Size of the layer tar written (decompressed), or the wire size when no destination was given. */
  readonly tarBytes: number;
  /** The payload checksum recomputed while downloading, `sha256:…`. */
  readonly payload: string;
  /** Whether the registry announced a payload checksum that was compared. */
  readonly verified: boolean;
  /** How many times the download resumed with a Range request after the connection broke. */
  readonly resumes: number;
}

/** The result of a pull. */
export interface PullReport {
  readonly repository: string;
  readonly tag: string;
  /** Every tag pulled and the image it names (one entry unless `allTags`). */
  readonly tags: Readonly<Record<string, string>>;
  /** The image the tag names. */
  readonly imageId: string;
  /** The registry whose tag list was used, `host:port`. */
  readonly tagsEndpoint: string;
  /** Registries that failed before one served the images, with the reason. */
  readonly failedEndpoints: readonly { readonly endpoint: string; readonly error: string }[];
  /** Ancestry oldest first. */
  readonly images: readonly PulledImage[];
  readonly steps: readonly ReportStep[];
  readonly bytesReceived: number;
  /** The tarball written, or null when none was asked for. */
  readonly output: string | null;
  readonly ms: number;
}

/** The result of the delete flow (§6.4). */
export interface DeleteReport {
  readonly repository: string;
  /** Registries that deleted the repository (`host:port`), and those that did not hold it. */
  readonly deletedOn: readonly string[];
  readonly notFoundOn: readonly string[];
  readonly steps: readonly ReportStep[];
}
