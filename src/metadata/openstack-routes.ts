// The files under /openstack/<v>/ (base.py _route_configuration and RouteConfiguration.handle_path,
// reference/openstack-metadata.md §2.5): the path after the version selects one handler; "version"
// is what a bare /openstack/<v> resolves to. Any other path is not found.
import type { InstanceRecord } from '../model/instance-record.js';
import { mergeVendorData } from './merge-vendor-data.js';
import { metaDataJson } from './meta-data-json.js';
import type { MetadataOptions } from './metadata-options.js';
import {
  APPLICATION_JSON,
  jsonDocument,
  NOT_FOUND,
  textDocument,
  type MetadataResult,
} from './metadata-result.js';
import { networkData } from './network-data.js';
import { openstackDirectory } from './openstack-directory.js';
import {
  GRIZZLY,
  HAVANA,
  NEWTON_TWO,
  openstackAtLeast,
  type OpenstackVersion,
} from './openstack-versions.js';
import { pythonJson } from './python-json.js';
import { vendorDataJson } from './vendor-data-json.js';

type Handler = (record: InstanceRecord, version: OpenstackVersion, opts: MetadataOptions) => MetadataResult;

export const OPENSTACK_ROUTES: Readonly<Record<string, Handler>> = {
  'meta_data.json': (record, version, opts) => {
    const doc = metaDataJson(record, version, opts);
    return Buffer.isBuffer(doc)
      ? jsonDocument(doc)
      : { kind: 'seeded', contentType: APPLICATION_JSON, ...doc };
  },
  // The raw bytes, text/plain whatever they are; 404 without user data.
  user_data: ({ instance }) => (instance.userData === null ? NOT_FOUND : textDocument(instance.userData)),
  password: (_record, version) => (openstackAtLeast(version, GRIZZLY) ? { kind: 'password' } : NOT_FOUND),
  'vendor_data.json': ({ instance }, version, opts) => {
    const data = mergeVendorData(opts.staticVendorData, instance.vendorData);
    if (!openstackAtLeast(version, HAVANA) || data === null) return NOT_FOUND;
    return jsonDocument(vendorDataJson(data));
  },
  'vendor_data2.json': ({ instance }, version, opts) => {
    if (!openstackAtLeast(version, NEWTON_TWO)) return NOT_FOUND;
    return { kind: 'vendor-data2', staticData: mergeVendorData(opts.staticVendorData, instance.vendorData) };
  },
  // Any version, and text/plain: Nova never switches the MIME type for this file.
  'network_data.json': (record) => textDocument(pythonJson(networkData(record))),
  version: ({ instance }, version) => textDocument(openstackDirectory(instance, version).join('\n')),
  // Nova calls _handle_content with the wrong arguments here and answers 500; we answer not found.
  content: () => NOT_FOUND,
};

export function openstackFile(
  record: InstanceRecord,
  version: OpenstackVersion,
  path: string,
  opts: MetadataOptions,
): MetadataResult {
  return Object.hasOwn(OPENSTACK_ROUTES, path) ? OPENSTACK_ROUTES[path]!(record, version, opts) : NOT_FOUND;
}
