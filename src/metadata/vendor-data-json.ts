// /openstack/<v>/vendor_data.json and vendor_data2.json (nova/api/metadata/base.py _vendor_data and
// _vendor_data2, reference/openstack-metadata.md §2.11).
import { pythonJson } from './python-json.js';

/** vendor_data.json: the StaticJSON document as it is (served only while that provider is enabled). */
export function vendorDataJson(staticData: Record<string, unknown>): Buffer {
  return Buffer.from(pythonJson(staticData));
}

/**
 * vendor_data2.json: the providers in order — StaticJSON under "static" when enabled (null = disabled),
 * then each DynamicJSON target's answer under its name. A name already present is dropped (Nova:
 * "Removing duplicate metadata key"), so "static" and the first of two equal names win.
 */
export function vendorData2Json(
  staticData: Record<string, unknown> | null,
  dynamic: ReadonlyArray<readonly [name: string, value: unknown]>,
): Buffer {
  const doc = new Map<string, unknown>();
  if (staticData !== null) doc.set('static', staticData);
  for (const [name, value] of dynamic) {
    if (!doc.has(name)) doc.set(name, value);
  }
  return Buffer.from(pythonJson(doc));
}
