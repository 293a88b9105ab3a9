// Router-mode plumbing for one namespace: the nft table rendered from every router-mode network
// there (several networks can share one router), loaded in one transaction.
import type { ApplyRemove } from './onlink-commands.js';
import { METADATA_REDIRECT_PORT, NFT_TABLE, nftRuleset, type RedirectInterface } from './nft-ruleset.js';
import { inNamespace, type PlanCommand } from './plan-command.js';

const TABLE_OR_NAMESPACE_GONE = /No such file or directory|Cannot open network namespace/;

/**
 * `all`: the router-mode networks in the namespace. `removing`: the ids that `remove` takes away;
 * the others keep their redirect (the table is rewritten without them), and when none is left the
 * table goes.
 */
export function routerCommands(
  namespace: string | null,
  all: readonly RedirectInterface[],
  removing: ReadonlySet<string>,
): ApplyRemove {
  const kept = all.filter((r) => !removing.has(r.networkId));
  return {
    apply: [loadTable(namespace, all)],
    remove: kept.length > 0 ? [loadTable(namespace, kept)] : [deleteTable(namespace)],
  };
}

function loadTable(namespace: string | null, interfaces: readonly RedirectInterface[]): PlanCommand {
  const names = interfaces.map((r) => r.interface).join(', ');
  return {
    argv: inNamespace(namespace, ['nft', '-f', '-']),
    input: nftRuleset(interfaces),
    why: `replace table ${NFT_TABLE} whole: redirect 169.254.169.254:80 arriving on ${names} to :${METADATA_REDIRECT_PORT}`,
  };
}

function deleteTable(namespace: string | null): PlanCommand {
  return {
    argv: inNamespace(namespace, ['nft', 'delete', 'table', ...NFT_TABLE.split(' ')]),
    why: `delete table ${NFT_TABLE} (already gone is fine)`,
    okWhen: TABLE_OR_NAMESPACE_GONE,
  };
}
