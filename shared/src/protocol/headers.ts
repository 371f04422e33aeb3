/**
 * Header names of the v1 protocol, spelled exactly as the legacy services sent them
 * (v1-protocol.md §2, §3.1, §4.1, §5). Node lower-cases incoming names; outgoing names keep this case.
 */
export const Header = {
  Token: 'X-Docker-Token',
  Endpoints: 'X-Docker-Endpoints',
  RegistryStandalone: 'X-Docker-Registry-Standalone',
  RegistryVersion: 'X-Docker-Registry-Version',
  RegistryConfig: 'X-Docker-Registry-Config',
  Checksum: 'X-Docker-Checksum',
  ChecksumPayload: 'X-Docker-Checksum-Payload',
  Size: 'X-Docker-Size',
  WwwAuthenticate: 'WWW-Authenticate',
  Authorization: 'Authorization',
  RequestId: 'X-Request-Id',
} as const;

/** The version string v1hub reports in `X-Docker-Registry-Version` and the ping body. */
export const REGISTRY_VERSION = '0.9.1';

/**
 * Reads a request header that may arrive as several lines: Node joins most duplicates with ", ",
 * but keeps some as arrays. Returns every comma-separated value, trimmed, empties dropped — the way
 * Docker 1.x read `X-Docker-Endpoints` and `X-Docker-Token` (v1-protocol.md §3.2 item 4).
 */
export function headerValues(value: string | string[] | null | undefined): string[] {
  if (value == null) return [];
  const lines = Array.isArray(value) ? value : [value];
  return lines.flatMap((line) => line.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}
