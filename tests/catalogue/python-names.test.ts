import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { builtinDataDirectory } from '../../src/catalogue/data-dir.js';
import { readCatalogueDirectory } from '../../src/catalogue/data-files.js';

/**
 * Every catalogue key for the standard library (and for installed third-party packages) must name
 * something that exists in real Python, so a typo cannot hide. Notes carry version limits:
 * "(3.11+)" entries are skipped on older Pythons, "(removed in 3.12)" ones on newer.
 */
const NOT_CLASS_ATTRIBUTES: Record<string, string> = {
  'select.poll.poll': 'select.poll() returns an object whose type the module does not expose',
  'zlib.Compress': 'the type zlib.compressobj() returns is not a module attribute',
  'zlib.Decompress': 'the type zlib.decompressobj() returns is not a module attribute',
  'os._wrap_close.read': 'delegated to the wrapped file through __getattr__',
  'tempfile._TemporaryFileWrapper.write': 'delegated to the wrapped file through __getattr__',
  'tempfile._TemporaryFileWrapper.read': 'delegated to the wrapped file through __getattr__',
  'tempfile._TemporaryFileWrapper.flush': 'delegated to the wrapped file through __getattr__',
  'multiprocessing.synchronize.Lock.acquire': 'bound per instance in SemLock._make_methods',
  'multiprocessing.synchronize.Lock.release': 'bound per instance in SemLock._make_methods',
  'multiprocessing.synchronize.RLock.acquire': 'bound per instance in SemLock._make_methods',
  'multiprocessing.synchronize.RLock.release': 'bound per instance in SemLock._make_methods',
  'multiprocessing.synchronize.Semaphore.acquire': 'bound per instance in SemLock._make_methods',
  'multiprocessing.synchronize.Semaphore.release': 'bound per instance in SemLock._make_methods',
  'multiprocessing.synchronize.BoundedSemaphore.acquire': 'bound per instance in SemLock._make_methods',
  'multiprocessing.synchronize.BoundedSemaphore.release': 'bound per instance in SemLock._make_methods',
  'multiprocessing.synchronize.Condition.acquire': 'bound per instance from the underlying lock',
  'multiprocessing.managers.SyncManager.shutdown': 'bound per instance when the manager starts',
  'multiprocessing.context.BaseContext.Process': 'defined on each concrete context class (ForkContext, SpawnContext...)',
  'asyncio.Condition.acquire': 'bound per instance from the underlying lock',
  'threading.Condition.acquire': 'bound per instance from the underlying lock',
  'threading.Condition.release': 'bound per instance from the underlying lock',
};
/** Prefixes whose methods exist only on instances or types the module does not expose. */
const DYNAMIC_PREFIXES = [
  'botocore.client.BaseClient.', // generated from service models at run time
  'zlib.Compress.',
  'zlib.Decompress.',
  'threading.Lock.', // threading.Lock and RLock are factory functions before 3.13
  'threading.RLock.',
  '_csv.Reader', // exposed under these names from 3.10
  '_csv.Writer',
];


const CHECK_NAMES = String.raw`
import importlib, json, re, sys
entries = json.load(sys.stdin)
stdlib = set(getattr(sys, "stdlib_module_names", ())) | {"builtins", "_hashlib", "_csv"}
version = sys.version_info[:2]
def applies(note):
    m = re.search(r"\((\d+)\.(\d+)\+\)", note)
    if m and version < (int(m[1]), int(m[2])): return False
    m = re.search(r"removed in (\d+)\.(\d+)", note)
    if m and version >= (int(m[1]), int(m[2])): return False
    return True
def resolve(name):
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return True
    return False
missing, skipped = [], set()
for name, note in entries:
    root = name.split(".")[0]
    if root not in stdlib:
        try:
            importlib.import_module(root)
        except Exception:
            skipped.add(root); continue
    if not applies(note):
        continue
    try:
        if not resolve(name): missing.append(name)
    except Exception:
        missing.append(name)
print(json.dumps({"missing": missing, "skipped": sorted(skipped), "version": list(version)}))
`;

function python(): string | undefined {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? 'python3' : undefined;
}

describe('catalogue names exist in real Python', () => {
  const interpreter = python();

  it.skipIf(interpreter === undefined)('every standard-library and installed third-party key resolves', () => {
    const names = [...readCatalogueDirectory(builtinDataDirectory())]
      .map(([key, entry]) => [key.endsWith('.*') ? key.slice(0, -2) : key, entry.note ?? ''] as const)
      .filter(([name]) => !(name in NOT_CLASS_ATTRIBUTES) && !DYNAMIC_PREFIXES.some((prefix) => name.startsWith(prefix)));
    const run = spawnSync(interpreter!, ['-c', CHECK_NAMES], { input: JSON.stringify(names), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { missing: string[] };
    expect(result.missing).toEqual([]);
  });
});
