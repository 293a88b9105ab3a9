// One step of a plan: the argv to run, the stdin it reads, and why it is there (printed as a comment
// by formatPlan, so a dry run explains itself).

export interface PlanCommand {
  argv: readonly string[];
  /** Standard input (the nft ruleset for `nft -f -`). */
  input?: string;
  /** One line for people: why this command is in the plan. */
  why: string;
  /**
   * A failure whose stderr matches this already leaves things as wanted (removing what is not there):
   * removal stays idempotent without first asking what exists.
   */
  okWhen?: RegExp;
}

/** `ip [-n NS] args…`: iproute2 enters the namespace itself. */
export function ipArgv(namespace: string | null, ...args: string[]): string[] {
  return namespace === null ? ['ip', ...args] : ['ip', '-n', namespace, ...args];
}

/** `[ip netns exec NS] argv…`: for programs that do not know about namespaces (nft, dnsmasq). */
export function inNamespace(namespace: string | null, argv: readonly string[]): string[] {
  return namespace === null ? [...argv] : ['ip', 'netns', 'exec', namespace, ...argv];
}

/** "the host namespace" or `namespace "qrouter-1"`, for titles and messages. */
export function describeNamespace(namespace: string | null): string {
  return namespace === null ? 'the host namespace' : `namespace "${namespace}"`;
}
