// What a lookup answers. The HTTP layer maps it to a status and headers; only `seeded` and the two
// service-side kinds need more than copying a body.

export type MetadataResult =
  /** A complete body; depends only on the instance revision, the path and the options, so cacheable. */
  | { kind: 'document'; contentType: string; body: Buffer }
  /** meta_data.json with random_seed: the body is before + base64(512 fresh random bytes) + after (withSeed). */
  | { kind: 'seeded'; contentType: 'application/json'; before: Buffer; after: Buffer }
  /** /openstack/<v>/password (v ≥ 2013-04-04): the service handles GET and POST against the store. */
  | { kind: 'password' }
  /**
   * /openstack/<v>/vendor_data2.json (v ≥ 2016-10-06): the service fetches the DynamicJSON targets
   * (per request, as Nova does) and calls vendorData2Json(staticData, dynamic). `staticData` is the
   * StaticJSON document already merged with the instance's own vendor data; null when disabled.
   */
  | { kind: 'vendor-data2'; staticData: Record<string, unknown> | null }
  | { kind: 'not-found' };

// webob appends "; charset=UTF-8" to text/* only, so JSON goes out as exactly application/json.
export const TEXT_PLAIN = 'text/plain; charset=UTF-8';
export const APPLICATION_JSON = 'application/json';

export const NOT_FOUND: MetadataResult = { kind: 'not-found' };

export function textDocument(body: Buffer | string): MetadataResult {
  return {
    kind: 'document',
    contentType: TEXT_PLAIN,
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  };
}

export function jsonDocument(body: Buffer | string): MetadataResult {
  return {
    kind: 'document',
    contentType: APPLICATION_JSON,
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  };
}
