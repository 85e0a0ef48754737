import { describe, expect, it } from 'vitest';
import { modelOf } from '../helpers/parse.js';

/** Calls recorded by the binder: those under a condition false on every Python 3 are not. */
async function recordedCalls(code: string): Promise<string[]> {
  const model = await modelOf(code);
  return model.calls.map((call) => call.node.text);
}

describe('code that never runs on Python 3', () => {
  it.each([
    ["sys.platform.startswith('java')"],
    ['sys.platform == "cli"'],
    ["platform.python_implementation() == 'Jython'"],
    ["sys.implementation.name == 'ironpython'"],
    ['sys.version_info[0] == 2'],
    ['sys.version_info[0] < 3'],
    ['sys.version_info.major <= 2'],
    ['sys.version_info < (3,)'],
    ['sys.version_info < (3, 0)'],
    ['six.PY2'],
    ['(six.PY2)'],
    ['six.PY2 and ready()'],
    ["six.PY2 or sys.platform.startswith('java')"],
  ])('drops the calls guarded by `%s`', async (condition) => {
    const calls = await recordedCalls(`import sys, six, platform\nif ${condition}:\n    dropped()\nelse:\n    kept()\n`);
    expect(calls).toContain('kept()');
    expect(calls).not.toContain('dropped()');
  });

  it.each([
    ["sys.platform.startswith('linux')"],
    ['sys.platform == "win32"'],
    ['sys.version_info < (3, 9)'],
    ['sys.version_info[0] == 3'],
    ['sys.version_info.major < 4'],
    ['six.PY3'],
    ['six.PY2 or ready()'],
    ['not six.PY2'],
  ])('keeps the calls guarded by `%s`', async (condition) => {
    const calls = await recordedCalls(`import sys, six\nif ${condition}:\n    guarded()\n`);
    expect(calls).toContain('guarded()');
  });

  it('follows a module constant bound once, in if and elif', async () => {
    const code = [
      'import sys',
      "is_jython = sys.platform.startswith('java')",
      'PY2 = sys.version_info[0] == 2',
      'def f():',
      '    if ready():',
      '        first()',
      '    elif is_jython:',
      '        dropped_jython()',
      '    elif PY2:',
      '        dropped_py2()',
      '    else:',
      '        last()',
    ].join('\n');
    expect(await recordedCalls(code)).toEqual(expect.arrayContaining(['ready()', 'first()', 'last()', "sys.platform.startswith('java')"]));
    expect(await recordedCalls(code)).not.toEqual(expect.arrayContaining(['dropped_jython()']));
    expect(await recordedCalls(code)).not.toEqual(expect.arrayContaining(['dropped_py2()']));
  });

  it('does not trust a constant that is bound again anywhere in the file', async () => {
    const rebound = [
      'import sys',
      "is_jython = sys.platform.startswith('java')",
      'def configure():',
      '    global is_jython',
      '    is_jython = True',
      'if is_jython:',
      '    guarded()',
    ].join('\n');
    expect(await recordedCalls(rebound)).toContain('guarded()');
    const looped = "import sys\nPY2 = sys.version_info[0] == 2\nfor PY2 in (True,):\n    pass\nif PY2:\n    guarded()\n";
    expect(await recordedCalls(looped)).toContain('guarded()');
  });

  it('still binds the names assigned in the dropped block', async () => {
    const model = await modelOf('import six\nif six.PY2:\n    text_type = unicode\nelse:\n    text_type = str\n');
    expect(model.bindingsOf('text_type', model.root)).toHaveLength(2);
  });
});
