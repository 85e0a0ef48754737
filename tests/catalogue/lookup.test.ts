import { describe, expect, it } from 'vitest';
import { knows, loadCatalogue, lookup } from '../../src/catalogue/load.js';

const catalogue = loadCatalogue();

describe('lookups of important names', () => {
  it('time.sleep blocks on sleep with asyncio.sleep as the async alternative', () => {
    expect(catalogue.lookup('time.sleep')).toMatchObject({ blocking: 'sleep', asyncAlternative: 'asyncio.sleep' });
  });

  it('requests calls are network I/O', () => {
    expect(catalogue.lookup('requests.get')).toMatchObject({ blocking: 'network', returns: 'requests.Response' });
    expect(catalogue.lookup('requests.Session.get')).toMatchObject({ blocking: 'network', threadSafe: false });
    expect(catalogue.lookup('requests.Session')).toMatchObject({ kind: 'class', threadSafe: false });
    expect(catalogue.lookup('requests.post')?.orderedEffect).toBe('network-send');
  });

  it('factories name the type they return so receivers resolve', () => {
    expect(catalogue.lookup('sqlite3.connect')?.returns).toBe('sqlite3.Connection');
    expect(catalogue.lookup('sqlite3.Connection.execute')).toMatchObject({ blocking: 'database', returns: 'sqlite3.Cursor' });
    expect(catalogue.lookup('builtins.open')).toMatchObject({ blocking: 'disk', returns: 'io.TextIOWrapper', unpicklable: true });
    expect(catalogue.lookup('io.TextIOWrapper.write')).toMatchObject({ blocking: 'disk', orderedEffect: 'write' });
    expect(catalogue.lookup('socket.create_connection')?.returns).toBe('socket.socket');
    expect(catalogue.lookup('logging.getLogger')?.returns).toBe('logging.Logger');
    expect(catalogue.lookup('multiprocessing.Pool')?.returns).toBe('multiprocessing.pool.Pool');
    expect(catalogue.lookup('boto3.client')?.returns).toBe('botocore.client.BaseClient');
    expect(catalogue.lookup('asyncio.get_running_loop')?.returns).toBe('asyncio.AbstractEventLoop');
  });

  it('hashing is native CPU that releases the GIL for large data', () => {
    const sha256 = catalogue.lookup('hashlib.sha256');
    expect(sha256).toMatchObject({ cpu: 'native', releasesGil: true, returns: '_hashlib.HASH' });
    expect(sha256?.note).toMatch(/2047/);
    expect(catalogue.lookup('_hashlib.HASH.update')).toMatchObject({ cpu: 'native', releasesGil: true });
  });

  it('numpy functions are native through the wildcard', () => {
    expect(catalogue.lookup('numpy.dot')).toMatchObject({ cpu: 'native', releasesGil: true });
    expect(catalogue.lookup('numpy.fft.fft')).toMatchObject({ cpu: 'native', releasesGil: true });
    expect(catalogue.lookup('numpy.load')).toMatchObject({ blocking: 'disk' });
  });

  it('module-level random functions share state but a Random instance does not', () => {
    expect(catalogue.lookup('random.random')?.sharedState).toBe('random');
    expect(catalogue.lookup('random.Random.random')?.sharedState).toBeUndefined();
    expect(catalogue.lookup('numpy.random.rand')?.sharedState).toBe('random');
    expect(catalogue.lookup('numpy.random.Generator.random')?.sharedState).toBeUndefined();
    expect(catalogue.lookup('numpy.random.default_rng')?.sharedState).toBeUndefined();
  });

  it('synchronisation primitives wait and do not pickle', () => {
    expect(catalogue.lookup('threading.Lock')).toMatchObject({ kind: 'class', unpicklable: true });
    expect(catalogue.lookup('threading.Lock.acquire')?.blocking).toBe('wait');
    expect(catalogue.lookup('threading.Event.wait')?.blocking).toBe('wait');
    expect(catalogue.lookup('queue.Queue.get')).toMatchObject({ blocking: 'wait', threadSafe: true });
    expect(catalogue.lookup('concurrent.futures.Future.result')?.blocking).toBe('wait');
  });

  it('asyncio awaitables are coroutines', () => {
    for (const name of ['asyncio.sleep', 'asyncio.gather', 'asyncio.wait_for', 'asyncio.to_thread',
      'asyncio.Queue.get', 'asyncio.Lock.acquire', 'asyncio.AbstractEventLoop.run_in_executor',
      'aiohttp.ClientSession.get', 'httpx.AsyncClient.get', 'redis.asyncio.Redis.get']) {
      expect(catalogue.lookup(name)?.coroutine, name).toBe(true);
    }
    expect(catalogue.lookup('asyncio.create_task')?.coroutine).toBeUndefined();
  });

  it('print and logging are ordered effects', () => {
    expect(catalogue.lookup('builtins.print')?.orderedEffect).toBe('stdout');
    expect(catalogue.lookup('sys.stdout.write')?.orderedEffect).toBe('stdout');
    expect(catalogue.lookup('logging.Logger.info')?.orderedEffect).toBe('log');
  });

  it('process-wide state is marked', () => {
    expect(catalogue.lookup('os.chdir')?.sharedState).toBe('cwd');
    expect(catalogue.lookup('os.getenv')?.sharedState).toBe('environ');
    expect(catalogue.lookup('locale.setlocale')?.sharedState).toBe('locale');
    expect(catalogue.lookup('signal.signal')?.sharedState).toBe('signal');
  });

  it('client methods generated at run time resolve through wildcards', () => {
    expect(catalogue.lookup('botocore.client.BaseClient.list_objects_v2')?.blocking).toBe('network');
    expect(catalogue.lookup('botocore.client.BaseClient.generate_presigned_url')?.blocking).toBeUndefined();
    expect(catalogue.lookup('pymongo.collection.Collection.find_one')?.blocking).toBe('database');
    expect(catalogue.lookup('pymongo.collection.Collection.find')?.blocking).toBeUndefined();
    expect(catalogue.lookup('redis.Redis.hgetall')?.blocking).toBe('network');
  });

  it('unknown names have no entry', () => {
    expect(catalogue.lookup('mylib.fetch')).toBeUndefined();
    expect(catalogue.lookup('numpy')).toBeUndefined();
  });
});

describe('wildcard precedence', () => {
  const synthetic = loadCatalogue({
    'zz.*': { note: 'short wildcard' },
    'zz.a.*': { note: 'long wildcard' },
    'zz.a.b': { note: 'exact' },
  });

  it('an exact entry beats every wildcard', () => {
    expect(synthetic.lookup('zz.a.b')?.note).toBe('exact');
  });

  it('a longer wildcard beats a shorter one', () => {
    expect(synthetic.lookup('zz.a.c')?.note).toBe('long wildcard');
    expect(synthetic.lookup('zz.a.b.c')?.note).toBe('long wildcard');
    expect(synthetic.lookup('zz.b')?.note).toBe('short wildcard');
  });

  it('a wildcard covers names strictly below its prefix, not the prefix itself', () => {
    expect(synthetic.lookup('zz')).toBeUndefined();
    expect(synthetic.lookup('zz.a')?.note).toBe('short wildcard');
    expect(synthetic.lookup('zzz.a')).toBeUndefined();
  });

  it('works on the built-in data', () => {
    expect(catalogue.lookup('numpy.random.seed')?.sharedState).toBe('random');
    expect(catalogue.lookup('numpy.random.normal')?.sharedState).toBe('random');
    expect(catalogue.lookup('numpy.random.normal')?.releasesGil).toBeUndefined();
  });
});

describe('knows', () => {
  it('is true for a name or any dotted prefix of a known name', () => {
    expect(catalogue.knows('requests')).toBe(true);
    expect(catalogue.knows('requests.Session')).toBe(true);
    expect(catalogue.knows('concurrent.futures')).toBe(true);
    expect(catalogue.knows('numpy')).toBe(true);
  });

  it('is true for names covered by a wildcard', () => {
    expect(catalogue.knows('numpy.linalg.svd')).toBe(true);
  });

  it('is false for unrelated names and partial segments', () => {
    expect(catalogue.knows('mylib')).toBe(false);
    expect(catalogue.knows('req')).toBe(false);
    expect(catalogue.knows('requests.Sess')).toBe(false);
  });

  it('has module-level helpers over the built-in catalogue', () => {
    expect(lookup('time.sleep')?.blocking).toBe('sleep');
    expect(knows('subprocess')).toBe(true);
  });
});
