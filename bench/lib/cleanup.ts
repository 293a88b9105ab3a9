// Everything the benchmark starts or creates (processes, namespaces, directories) registers an undo
// here, so that an exception, Ctrl-C or SIGTERM still leaves nothing behind. The undos are
// synchronous because an 'exit' handler cannot await.

type Undo = () => void;

const undos = new Map<number, { what: string; undo: Undo }>();
let nextId = 1;
let installed = false;

/** Registers an undo; call the returned function once the thing was removed the normal way. */
export function onCleanup(what: string, undo: Undo): () => void {
  install();
  const id = nextId++;
  undos.set(id, { what, undo });
  return () => {
    undos.delete(id);
  };
}

/** Runs every registered undo, newest first (processes before the namespaces they run in). */
export function cleanupAll(): void {
  for (const id of [...undos.keys()].reverse()) {
    const entry = undos.get(id)!;
    undos.delete(id);
    try {
      entry.undo();
    } catch (err) {
      process.stderr.write(`bench: cleanup of ${entry.what} failed: ${(err as Error).message}\n`);
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', cleanupAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping everything the benchmark started\n`);
      cleanupAll();
      process.exit(130);
    });
  }
}
