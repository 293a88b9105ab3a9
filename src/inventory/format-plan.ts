// The plan for people, one line per change, like a terraform plan:
//   + network private (10.0.0.0/24)
//   ~ instance web-1: hostname "a" → "b"
//   - port of web-1 on private (10.0.0.5, fa:16:3e:4c:2a:91)
//   -/+ port of web-1 on private (10.0.0.6, fa:16:3e:4c:2a:92): to keep the port order
// A replacement (a delete and a later create of the same object) shows once, as "-/+".
import { createHash } from 'node:crypto';
import type { FieldChange, InventoryPlan, PlanStep } from './inventory-plan.js';

const VALUE_MAX_CHARS = 80;
const MARKS = { create: '+', update: '~', delete: '-' } as const;

/** One line per change, each ending in "\n"; "No changes…" when the plan is empty. */
export function formatPlan(plan: InventoryPlan): string {
  if (plan.empty) return 'No changes: the store matches the inventory\n';
  return plan.steps
    .filter((step) => !(step.replace !== undefined && step.action === 'delete'))
    .map((step) => `${formatStep(step)}\n`)
    .join('');
}

/** "Plan: 2 to create, 1 to update, 0 to delete, 1 to replace". */
export function summarizePlan(plan: InventoryPlan): string {
  const count = (f: (s: PlanStep) => boolean) => plan.steps.filter(f).length;
  const replace = count((s) => s.replace !== undefined && s.action !== 'delete');
  const create = count((s) => s.replace === undefined && s.action === 'create');
  const update = count((s) => s.action === 'update');
  const del = count((s) => s.replace === undefined && s.action === 'delete');
  return `Plan: ${create} to create, ${update} to update, ${del} to delete, ${replace} to replace`;
}

function formatStep(step: PlanStep): string {
  const mark = step.replace !== undefined ? '-/+' : MARKS[step.action];
  const head = `${mark} ${describe(step)}`;
  const details = [...(step.replace ? [step.replace.reason] : []), ...step.changes.map(formatChange)];
  return details.length === 0 || step.action === 'delete' ? head : `${head}: ${details.join(', ')}`;
}

function describe(step: PlanStep): string {
  switch (step.kind) {
    case 'router':
      return `router ${step.router.name}`;
    case 'network': {
      const cidrs = step.network.subnets.map((s) => s.cidr).join(', ');
      const router = step.routerName === null ? '' : `; router ${step.routerName}`;
      return step.action === 'update'
        ? `network ${step.network.name}`
        : `network ${step.network.name} (${cidrs}${router})`;
    }
    case 'instance':
      return step.action === 'update'
        ? `instance ${step.instance.name}`
        : `instance ${step.instance.name} (${step.instance.uuid})`;
    case 'port': {
      const what = `port of ${step.instanceName} on ${step.networkName}`;
      return step.action === 'update'
        ? `${what} (${step.port.id})`
        : `${what} (${[...step.port.fixedIps, step.port.mac].join(', ')})`;
    }
    case 'ec2-image':
      return `ec2 image ${step.mapping.imageId}`;
  }
}

function formatChange(change: FieldChange): string {
  return `${change.key} ${formatValue(change.from)} → ${formatValue(change.to)}`;
}

/** none, "text", 3, true, ["a","b"], <120 bytes sha256:1a2b3c4d>; long values are cut. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (Buffer.isBuffer(value)) {
    return `<${value.length} bytes sha256:${createHash('sha256').update(value).digest('hex').slice(0, 8)}>`;
  }
  const text =
    typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  return text.length > VALUE_MAX_CHARS ? `${text.slice(0, VALUE_MAX_CHARS - 1)}…` : text;
}
