/** Every rule concur has, and how `--select`/`--ignore` choose among them. */
import { blockingCallInAsync } from './async/blocking-call-in-async.js';
import { coroutineNeverAwaited } from './async/coroutine-never-awaited.js';
import { danglingTask } from './async/dangling-task.js';
import { lockOrderInversion } from './deadlock/lock-order-inversion.js';
import { reacquiredLock } from './deadlock/reacquired-lock.js';
import { acquireWithoutRelease } from './deadlock/acquire-without-release.js';
import { callUnderLock } from './deadlock/call-under-lock.js';
import { forkWithThreads } from './deadlock/fork-with-threads.js';
import { joinNeverReturns } from './deadlock/join-never-returns.js';
import { lockHeldAcrossAwait } from './deadlock/lock-held-across-await.js';
import { processJoinedBeforeQueueDrained } from './deadlock/process-joined-before-queue-drained.js';
import { parallelizableComprehension } from './parallel/parallelizable-comprehension.js';
import { parallelizableLoop } from './parallel/parallelizable-loop.js';
import { inheritedRandomSeed } from './process-safety/inherited-random-seed.js';
import { lostWorkerUpdate } from './process-safety/lost-worker-update.js';
import { missingMainGuard } from './process-safety/missing-main-guard.js';
import { unpicklableTask } from './process-safety/unpicklable-task.js';
import { workerGlobalFromMain } from './process-safety/worker-global-from-main.js';
import { checkThenAct } from './race/check-then-act.js';
import { unprotectedReadModifyWrite } from './race/unprotected-read-modify-write.js';
import { daemonThreadNotJoined } from './resource/daemon-thread-not-joined.js';
import { poolNotShutDown } from './resource/pool-not-shut-down.js';
import type { Rule } from './rule.js';

export const ALL_RULES: readonly Rule[] = [
  blockingCallInAsync,
  coroutineNeverAwaited,
  danglingTask,
  lockOrderInversion,
  reacquiredLock,
  acquireWithoutRelease,
  callUnderLock,
  lockHeldAcrossAwait,
  joinNeverReturns,
  processJoinedBeforeQueueDrained,
  forkWithThreads,
  parallelizableLoop,
  parallelizableComprehension,
  missingMainGuard,
  unpicklableTask,
  lostWorkerUpdate,
  workerGlobalFromMain,
  inheritedRandomSeed,
  unprotectedReadModifyWrite,
  checkThenAct,
  poolNotShutDown,
  daemonThreadNotJoined,
];

export function findRule(codeOrName: string): Rule | undefined {
  const key = codeOrName.trim();
  return ALL_RULES.find((r) => r.meta.code === key.toUpperCase() || r.meta.name === key.toLowerCase());
}

/** A selector is `ALL`, a code (`AS101`), a code prefix (`AS`, `AS1`) or a rule name. */
export function selectorMatches(selector: string, rule: Rule): boolean {
  const s = selector.trim();
  if (s.toUpperCase() === 'ALL') return true;
  if (s.toLowerCase() === rule.meta.name) return true;
  return s.length > 0 && rule.meta.code.startsWith(s.toUpperCase());
}

export function isValidSelector(selector: string): boolean {
  return ALL_RULES.some((rule) => selectorMatches(selector, rule));
}

/** Rules enabled by `select` (all when empty) minus those matched by `ignore`. */
export function selectRules(select: readonly string[], ignore: readonly string[]): Rule[] {
  return ALL_RULES.filter(
    (rule) =>
      (select.length === 0 || select.some((s) => selectorMatches(s, rule))) && !ignore.some((s) => selectorMatches(s, rule)),
  );
}
