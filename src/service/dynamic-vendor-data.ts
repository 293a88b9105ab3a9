// Nova's DynamicJSON vendor data provider (reference §2.11): for each "name@url" target, POST the
// instance's facts as JSON and use the JSON answer under "name". Evaluated per request of
// vendor_data2.json, never cached. A failing target yields {} and a warning unless failure is fatal.
import type { Logger } from '../log.js';
import type { InstanceRecord } from '../model/instance-record.js';

export interface DynamicTarget {
  name: string;
  url: string;
}

/** Parses Nova's "name@url" list: entries without "@" and repeated names are skipped, as Nova does. */
export function parseDynamicTargets(entries: readonly string[], log: Logger): DynamicTarget[] {
  const out: DynamicTarget[] = [];
  for (const entry of entries) {
    const at = entry.indexOf('@');
    if (at < 1) {
      log.warn('vendordata.target_skipped', `Skipping vendor data target "${entry}" as it is not "name@url"`);
      continue;
    }
    const name = entry.slice(0, at);
    if (out.some((t) => t.name === name)) {
      log.warn(
        'vendordata.target_skipped',
        `Skipping vendor data target "${entry}" as the name "${name}" is already used`,
      );
      continue;
    }
    out.push({ name, url: entry.slice(at + 1) });
  }
  return out;
}

export function dynamicRequestBody(record: InstanceRecord): string {
  const i = record.instance;
  return JSON.stringify({
    'project-id': i.projectId,
    'instance-id': i.uuid,
    'image-id': i.imageId,
    // Nova sends user data as stored: base64 text.
    'user-data': i.userData === null ? null : i.userData.toString('base64'),
    hostname: i.hostname,
    metadata: i.metadata,
    'boot-roles': '',
  });
}

export function createDynamicVendorData(deps: {
  targets: DynamicTarget[];
  connectTimeoutSeconds: number;
  readTimeoutSeconds: number;
  failureFatal: boolean;
  fetch: typeof fetch;
  log: Logger;
}): (record: InstanceRecord) => Promise<Array<[string, unknown]>> {
  const timeoutMs = (deps.connectTimeoutSeconds + deps.readTimeoutSeconds) * 1000;
  const one = async (target: DynamicTarget, record: InstanceRecord): Promise<[string, unknown]> => {
    try {
      const res = await deps.fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': 'openstack-nova-vendordata',
        },
        body: dynamicRequestBody(record),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const text = await res.text();
      return [target.name, text === '' ? {} : (JSON.parse(text) as unknown)];
    } catch (err) {
      if (deps.failureFatal) throw err;
      deps.log.warn(
        'vendordata.target_failed',
        `Vendor data target "${target.name}" at ${target.url} failed; serving {} for it`,
        { err: String(err) },
      );
      return [target.name, {}];
    }
  };
  return async (record) =>
    deps.targets.length === 0 ? [] : Promise.all(deps.targets.map((t) => one(t, record)));
}
