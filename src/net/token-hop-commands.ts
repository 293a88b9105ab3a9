// The token hop-limit table of one namespace, from every attached network there whose limit is on
// (several on-link bridges in the host namespace, or a router's networks, share it).
import type { ApplyRemove } from './onlink-commands.js';
import { inNamespace, type PlanCommand } from './plan-command.js';
import { TOKEN_NFT_TABLE, tokenHopRuleset, type HopLimitInterface } from './token-hop-ruleset.js';

const TABLE_OR_NAMESPACE_GONE = /No such file or directory|Cannot open network namespace/;

/**
 * `all`: the networks in the namespace with the limit on (none: the table goes, so turning the limit
 * off is an apply like any other). `removing`: the ids `remove` takes away; the others keep theirs.
 */
export function tokenHopCommands(
  namespace: string | null,
  all: readonly HopLimitInterface[],
  removing: ReadonlySet<string>,
): ApplyRemove {
  const kept = all.filter((r) => !removing.has(r.networkId));
  return {
    apply: [all.length > 0 ? loadTable(namespace, all) : deleteTable(namespace)],
    remove: [kept.length > 0 ? loadTable(namespace, kept) : deleteTable(namespace)],
  };
}

function loadTable(namespace: string | null, interfaces: readonly HopLimitInterface[]): PlanCommand {
  const ttls = interfaces.map((r) => `${r.hopLimit} on ${r.interface}`).join(', ');
  return {
    argv: inNamespace(namespace, ['nft', '-f', '-']),
    input: tokenHopRuleset(interfaces),
    why: `replace table ${TOKEN_NFT_TABLE} whole: token replies leave with IP TTL ${ttls}`,
  };
}

function deleteTable(namespace: string | null): PlanCommand {
  return {
    argv: inNamespace(namespace, ['nft', 'delete', 'table', ...TOKEN_NFT_TABLE.split(' ')]),
    why: `delete table ${TOKEN_NFT_TABLE}: no network here limits token replies (already gone is fine)`,
    okWhen: TABLE_OR_NAMESPACE_GONE,
  };
}
