// Adapts the pure Nova rendering (src/metadata) to the guest handler's Renderer seam.
import { isIpv4 } from '../ip/address.js';
import { lookupMetadata, ROOT_PATH, rootListing, type Ec2TreeMemo } from '../metadata/lookup.js';
import { normalizePath } from '../metadata/normalize-path.js';
import { vendorData2Json } from '../metadata/vendor-data-json.js';
import type { InstanceRecord } from '../model/instance-record.js';
import type { Renderer } from './guest-handler.js';

export interface NovaRendererOptions {
  dhcpDomain: string;
  /** StaticJSON vendor data; null when the provider is not configured. */
  staticVendorData: Record<string, unknown> | null;
}

export function createNovaRenderer(options: NovaRendererOptions): Renderer {
  const root = rootListing();
  const rootBody = root.kind === 'document' ? root.body : Buffer.alloc(0);
  // A record object is never changed once loaded (a store change loads a new one, with a new
  // revision), so what was built from it stays right for as long as it lives: the render cache's
  // entry holds it, and the memo goes with it.
  const trees = new WeakMap<InstanceRecord, Ec2TreeMemo>();
  const withIpv4 = new WeakMap<InstanceRecord, boolean>();
  const treesOf = (record: InstanceRecord): Ec2TreeMemo => {
    let memo = trees.get(record);
    if (memo === undefined) {
      memo = new Map();
      trees.set(record, memo);
    }
    return memo;
  };
  return {
    normalize(url) {
      const path = normalizePath(url);
      if (path === undefined) return undefined;
      return path === ROOT_PATH ? 'root' : { path };
    },
    rootListing: () => rootBody,
    lookup: (record, path, requestAddress, day) =>
      lookupMetadata(
        record,
        path,
        {
          dhcpDomain: options.dhcpDomain,
          today: day,
          staticVendorData: options.staticVendorData,
          ...(requestAddress === undefined ? {} : { requestAddress }),
        },
        treesOf(record),
      ),
    vendorData2: (staticData, dynamic) => vendorData2Json(staticData, dynamic),
    // EC2 local-ipv4 falls back to the request address only for an instance with no fixed IPv4.
    dependsOnAddress: (record, path) => !path.startsWith('/openstack') && !hasIpv4(record),
  };

  // Asked for every document rendered: answered once per record (kept as the EC2 trees are).
  function hasIpv4(record: InstanceRecord): boolean {
    let has = withIpv4.get(record);
    if (has === undefined) {
      has = record.ports.some(({ port }) => port.fixedIps.some(isIpv4));
      withIpv4.set(record, has);
    }
    return has;
  }
}
