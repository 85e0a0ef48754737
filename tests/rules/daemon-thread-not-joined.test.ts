import { daemonThreadNotJoined } from '../../src/rules/resource/daemon-thread-not-joined.js';
import { ruleTester } from '../helpers/rule-tester.js';

const SAVE = 'import threading\n\ndef save(rows, path):\n    with open(path, "w") as f:\n        for row in rows:\n            f.write(row)\n\n';

ruleTester(daemonThreadNotJoined, {
  valid: [
    { name: 'daemon thread joined', code: `${SAVE}def main(rows):\n    t = threading.Thread(target=save, args=(rows, "o.txt"), daemon=True)\n    t.start()\n    t.join()\n` },
    {
      name: 'non-daemon thread never joined: the interpreter waits for it at exit',
      code: `${SAVE}def main(rows):\n    threading.Thread(target=save, args=(rows, "o.txt")).start()\n`,
    },
    {
      name: 'daemon thread that only computes (nothing to cut off)',
      code: 'import threading\n\ndef spin(n):\n    return sum(range(n))\n\nthreading.Thread(target=spin, args=(10,), daemon=True).start()\n',
    },
    {
      name: 'daemon worker whose queue is joined',
      code: 'import queue\nimport threading\n\ndef writer(q):\n    with open("o.txt", "a") as f:\n        while True:\n            f.write(q.get())\n            q.task_done()\n\ndef main(lines):\n    q = queue.Queue()\n    threading.Thread(target=writer, args=(q,), daemon=True).start()\n    for line in lines:\n        q.put(line)\n    q.join()\n',
    },
    {
      name: 'thread kept by the caller (returned, stored)',
      code: `${SAVE}def start(rows):\n    t = threading.Thread(target=save, args=(rows, "o.txt"), daemon=True)\n    t.start()\n    return t\n\nclass Saver:\n    def start(self, rows):\n        self.thread = threading.Thread(target=save, args=(rows, "o.txt"), daemon=True)\n        self.thread.start()\n`,
    },
  ],
  invalid: [
    {
      name: 'daemon thread writing a file, started and dropped',
      code: `${SAVE}def main(rows):\n    threading.Thread(target=save, args=(rows, "o.txt"), daemon=True).start()\n`,
      errors: [{ line: 9, message: /Daemon thread `threading.Thread\(...\)` runs `save`, which writes a file \(`f.write\(...\)` at line 6\), and nothing joins it/, fix: 'none' }],
    },
    {
      name: 'daemon set by attribute, thread held in a name and not joined',
      code: `${SAVE}def main(rows):\n    t = threading.Thread(target=save, args=(rows, "o.txt"))\n    t.daemon = True\n    t.start()\n`,
      errors: [{ line: 9 }],
    },
    {
      name: 'interprocedural: the target writes to sqlite through a helper',
      code: 'import sqlite3\nimport threading\n\ndef insert(conn: sqlite3.Connection, rows):\n    conn.executemany("insert into t values (?)", rows)\n    conn.commit()\n\ndef store(rows):\n    conn = sqlite3.connect("db.sqlite")\n    insert(conn, rows)\n\nthreading.Thread(target=store, args=([(1,)],), daemon=True).start()\n',
      errors: [{ line: 12, message: 'runs `store`, which writes to a database' }],
    },
    {
      name: 'cross-file: the target is in another module',
      files: {
        'main.py': 'import threading\nfrom storage import save\n\nthreading.Thread(target=save, args=(["a"], "o.txt"), daemon=True).start()\n',
        'storage.py': 'def save(rows, path):\n    with open(path, "w") as f:\n        f.writelines(rows)\n',
      },
      errors: [{ line: 4, message: /runs `save`, which writes a file \(`io.TextIOWrapper.writelines` in storage.py at line 3\)/ }],
    },
  ],
});
