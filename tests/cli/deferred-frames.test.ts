import { afterAll, describe, expect, it } from 'vitest';
import { project, py, removeTemporaryDirectories, runConcur } from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

describe('code frames of findings settled across files', () => {
  it('shows the frame of a cross-file AS101 finding and of a cross-file AS102 finding', async () => {
    const root = project({
      'util.py': py('import time', '', '', 'def load():', '    time.sleep(1)', '', '', 'async def save():', '    pass'),
      'main.py': py('from util import load, save', '', '', 'async def handler():', '    data = load()', '    save()', '    return data'),
    });
    const result = await runConcur(['check', '--isolated', '--color', 'never', '.'], { cwd: root });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('main.py:5:12: AS101');
    expect(result.stdout).toContain('5 |     data = load()\n  |            ^^^^^^ AS101');
    expect(result.stdout).toContain('main.py:6:5: AS102');
    expect(result.stdout).toContain('6 |     save()\n  |     ^^^^^^ AS102');
  });
});
