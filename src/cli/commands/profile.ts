/**
 * `concur profile [PATH] -- CMD...`: runs the program once in an instrumented copy of the
 * project, measures its loops, classifies each from the measurement and writes a profile that
 * `check --profile` and `fix --profile` refine their plans with.
 * Exit status: 0 profile written; 2 usage error, nothing to instrument, or the command could not start.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { attachVerdicts } from '../../profile/attach-verdicts.js';
import { DEFAULT_PROFILE_FILE, writeProfile } from '../../profile/profile-file.js';
import { renderProfileText } from '../../profile/render-text.js';
import { ProfileStop, runProfile } from '../../profile/run-profile.js';
import { killLiveGroups, LauncherError } from '../../verify/measured-run.js';
import { locateProject } from '../../verify/project-copy.js';
import { VerifyProgress } from '../../verify/progress.js';
import { EXIT_CLEAN, EXIT_ERROR } from '../exit-status.js';
import { resolveSettings, type SelectionFlags } from '../settings-from-cli.js';
import { isInteractive, useColor, type ColorChoice } from '../terminal.js';
import { UsageError } from '../usage-error.js';
import { parseThreads } from './check.js';

export interface ProfileFlags extends SelectionFlags {
  format: string;
  output?: string;
  timeout: string;
  root?: string;
  keep?: boolean;
  color: ColorChoice;
  threads?: string;
}

export const DEFAULT_PROFILE_TIMEOUT_SECONDS = 600;

export async function profileCommand(pathArgument: string, command: string[], flags: ProfileFlags): Promise<number> {
  if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError(`unknown --format "${flags.format}": use text or json`);
  if (command.length === 0) throw new UsageError('no command to run: concur profile [PATH] -- CMD [ARGS...]');
  const timeoutSeconds = Number(flags.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout: expected a number of seconds greater than 0, got "${flags.timeout}"`);
  const cwd = process.cwd();
  const output = path.resolve(cwd, flags.output ?? DEFAULT_PROFILE_FILE);
  const location = locateProject(pathArgument, cwd, flags.root);
  const { settings, patternBase } = resolveSettings([pathArgument], flags, cwd);
  const suffix = path.relative(patternBase, location.root);
  const copySuffix = suffix.startsWith('..') || path.isAbsolute(suffix) ? '' : suffix;

  const workDirectory = realpathSync(mkdtempSync(path.join(tmpdir(), 'concur-profile-')));
  const progress = new VerifyProgress(isInteractive(process.stderr), process.stderr, 'profile');
  const cleanUp = () => {
    progress.clear();
    killLiveGroups();
    if (!flags.keep) rmSync(workDirectory, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    process.stderr.write(`concur profile: interrupted (${signal}); the program was killed with its process group\n`);
    process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);

  let run;
  let warnings: string[] = [];
  const copyRoot = path.join(workDirectory, 'project', copySuffix);
  try {
    run = await runProfile({
      location,
      cwd,
      command,
      settings,
      patternBase,
      timeoutSeconds,
      workDirectory,
      copySuffix,
      onPhase: (label) => progress.phase(label),
    });
    progress.phase('planning with the measurements');
    warnings = await attachVerdicts(run.document, {
      targets: [path.resolve(location.root, location.target)],
      cwd,
      settings,
      patternBase,
      maxWorkers: parseThreads(flags.threads),
    });
  } catch (error) {
    cleanUp();
    if (error instanceof ProfileStop || error instanceof LauncherError) {
      process.stderr.write(`concur profile: ${error.message}\n`);
      return EXIT_ERROR;
    }
    throw error;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
  progress.clear();

  const { document, outcome } = run;
  // The program ran in the copy: show its paths as the user's.
  const programStderr = outcome.stderr.toString('utf8').split(copyRoot).join(location.root);
  if (flags.keep) process.stderr.write(`concur profile: the instrumented copy is kept in ${workDirectory}\n`);
  else rmSync(workDirectory, { recursive: true, force: true });

  writeProfile(output, document);
  const shownOutput = path.relative(cwd, output) || output;
  for (const warning of warnings) process.stderr.write(`concur profile: warning: ${warning}\n`);
  if (outcome.exitCode !== 0 || outcome.signal || outcome.timedOut) {
    const tail = programStderr.trimEnd().split('\n').slice(-15).join('\n');
    if (tail) process.stderr.write(`concur profile: the program's last lines of stderr:\n${tail}\n`);
  }
  if (flags.format === 'json') {
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    process.stderr.write(`concur profile: profile written to ${shownOutput}\n`);
  } else {
    process.stdout.write(renderProfileText(document, { color: useColor(flags.color, process.stdout), programName: command.join(' ') }));
    process.stdout.write(`\nProfile written to ${shownOutput}: refine plans with \`concur check --profile ${shownOutput}\` (or \`concur fix --profile ${shownOutput}\`).\n`);
  }
  return EXIT_CLEAN;
}
