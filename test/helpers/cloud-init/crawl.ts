// Runs crawl.py (the real cloud-init datasource code) in the guest namespace and parses its summary.
import { fileURLToPath } from 'node:url';
import type { Topology } from '../netns.js';

/** Beside the compiled file is dist/test/helpers/cloud-init/; the script stays in the source tree. */
const CRAWL_PY = fileURLToPath(new URL('../../../../test/helpers/cloud-init/crawl.py', import.meta.url));
/** Debian's interpreter, which the cloud-init package is installed for (not a python3 on PATH). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const CLOUD_INIT_PACKAGE = '/usr/lib/python3/dist-packages/cloudinit/__init__.py';

export interface CrawlArgs {
  datasource: 'openstack' | 'ec2';
  platform?: 'aws' | 'unknown';
  url: string;
  /** Watchdog inside the harness, seconds. */
  deadlineSeconds?: number;
  /** Leave ds.network_config unread (on aws it re-crawls the whole service when `network` is absent). */
  skipNetworkConfig?: boolean;
}

export interface RecordedRequest {
  method: string;
  url: string;
  status?: number;
  error?: string;
  /** X-aws-ec2-metadata-token sent, if any. */
  token: string | null;
  /** X-aws-ec2-metadata-token-ttl-seconds sent, if any. */
  ttl: string | null;
  user_agent: string | null;
  /** The response body of a PUT (the token). */
  body?: string;
}

export interface CrawlSummary {
  ok: boolean;
  error?: string;
  datasource: string;
  cloud_name: string;
  platform_type: string;
  subplatform: string;
  metadata_address: string | null;
  /** The standardized keys get_data() persisted in instance-data-sensitive.json. */
  v1: {
    instance_id: string;
    local_hostname: string;
    public_ssh_keys: string[];
    availability_zone: string | null;
    region: string | null;
    cloud_name: string;
    platform: string;
  };
  fqdn?: string;
  userdata_raw_b64: string | null;
  vendordata_raw: unknown;
  vendordata2_raw: unknown;
  metadata: Record<string, unknown>;
  network_config?: unknown;
  /** OpenStack: the version MetadataReader picked, the EC2 sub-crawl, network_data.json as read. */
  picked_version?: string | null;
  ec2_metadata?: Record<string, unknown> | null;
  network_json?: unknown;
  /** Ec2: the API version negotiated, the identity document. */
  api_version?: string | null;
  identity?: Record<string, unknown> | null;
  requests: RecordedRequest[];
  warnings: string[];
}

export interface CrawlResult {
  summary: CrawlSummary;
  /** cloud-init's own debug log, for failure messages. */
  log: string;
  seconds: number;
}

export async function crawlWithCloudInit(net: Topology, args: CrawlArgs): Promise<CrawlResult> {
  const deadline = args.deadlineSeconds ?? 40;
  const argv = [SYSTEM_PYTHON, CRAWL_PY, '--datasource', args.datasource, '--url', args.url];
  argv.push('--deadline', String(deadline));
  if (args.platform !== undefined) argv.push('--platform', args.platform);
  if (args.skipNetworkConfig === true) argv.push('--no-network-config');
  const started = Date.now();
  // The outer timeout backs the harness's own watchdog up.
  const result = await net.run(net.guestNs, argv, { check: false, timeoutMs: (deadline + 10) * 1000 });
  const seconds = (Date.now() - started) / 1000;
  const last = result.stdout.trim().split('\n').pop() ?? '';
  let summary: CrawlSummary;
  try {
    summary = JSON.parse(last) as CrawlSummary;
  } catch {
    throw new Error(
      `crawl.py gave no summary (exit ${result.code ?? result.signal}):\n${result.stdout}\n${tail(result.stderr)}`,
    );
  }
  return { summary, log: result.stderr, seconds };
}

export function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}
