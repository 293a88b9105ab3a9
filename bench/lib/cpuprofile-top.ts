// Reads a V8 .cpuprofile (node --cpu-prof) and ranks functions by self time (time a sample was taken
// in the function itself) and total time (in it or anything it called; recursion counted once).

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionTime {
  name: string;
  where: string;
  selfMs: number;
  totalMs: number;
}

export function rankFunctions(
  profile: CpuProfile,
  root = process.cwd(),
): { totalMs: number; functions: FunctionTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const keyOf = (n: ProfileNode): string =>
    `${n.callFrame.functionName}\u0000${n.callFrame.url}\u0000${n.callFrame.lineNumber}`;
  const table = new Map<string, FunctionTime>();
  const entry = (n: ProfileNode): FunctionTime => {
    const key = keyOf(n);
    let e = table.get(key);
    if (e === undefined) {
      const url = n.callFrame.url.replace(`file://${root}/`, '').replace('file://', '');
      e = {
        name: n.callFrame.functionName || '(anonymous)',
        where: url === '' ? '' : `${url}:${n.callFrame.lineNumber + 1}`,
        selfMs: 0,
        totalMs: 0,
      };
      table.set(key, e);
    }
    return e;
  };
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    totalUs += us;
    const node = byId.get(id)!;
    entry(node).selfMs += us / 1000;
    // Every distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const key = keyOf(n);
      if (seen.has(key)) continue;
      seen.add(key);
      entry(n).totalMs += us / 1000;
    }
  }
  return { totalMs: totalUs / 1000, functions: [...table.values()] };
}
