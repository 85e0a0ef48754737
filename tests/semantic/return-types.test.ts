import { describe, expect, it } from 'vitest';
import { calleeOf, modelOf } from '../helpers/parse.js';

/** Values returned by plain functions of the module keep their type at the call site. */
describe('return types of module functions', () => {
  it('types the result of a function that returns a catalogued object', async () => {
    const code = [
      'import sqlite3',
      'def connect(path):',
      '    conn = sqlite3.connect(path)',
      '    conn.execute("PRAGMA foreign_keys = ON")',
      '    return conn',
      'db = connect("shop.db")',
      'db.execute("SELECT 1")',
    ].join('\n');
    expect(calleeOf(await modelOf(code), 'db.execute("SELECT 1")')).toBe('sqlite3.Connection.execute');
  });

  it('gives up when the returns disagree, on None, and for methods, decorated functions and generators', async () => {
    const cases = [
      'import sqlite3, io\ndef open_it(p, memory):\n    if memory:\n        return io.StringIO()\n    return sqlite3.connect(p)\ndb = open_it("x", False)\ndb.execute("SELECT 1")\n',
      'import sqlite3\ndef open_it(p):\n    if not p:\n        return None\n    return sqlite3.connect(p)\ndb = open_it("x")\ndb.execute("SELECT 1")\n',
      'import sqlite3, functools\n@functools.lru_cache\ndef open_it(p):\n    return sqlite3.connect(p)\ndb = open_it("x")\ndb.execute("SELECT 1")\n',
      'import sqlite3\ndef open_it(p):\n    yield sqlite3.connect(p)\ndb = open_it("x")\ndb.execute("SELECT 1")\n',
      'import sqlite3\nclass Store:\n    def open_it(self, p):\n        return sqlite3.connect(p)\ndb = Store().open_it("x")\ndb.execute("SELECT 1")\n',
    ];
    for (const code of cases) expect(calleeOf(await modelOf(code), 'db.execute("SELECT 1")'), code).not.toBe('sqlite3.Connection.execute');
  });

  it('stops on recursion', async () => {
    const code = 'import sqlite3\ndef again(p, n):\n    if n:\n        return again(p, n - 1)\n    return sqlite3.connect(p)\ndb = again("x", 2)\ndb.execute("SELECT 1")\n';
    expect(calleeOf(await modelOf(code), 'db.execute("SELECT 1")')).toBeUndefined();
  });
});
