// Maps the validated Config onto the runner's own options object (the runner never reads env vars).
import type { Config } from './config.ts';
import { defaultRunnerOptions, type RunnerOptions } from './runner/options.ts';

export function runnerOptionsFrom(config: Config): RunnerOptions {
  return defaultRunnerOptions({
    socketPath: config.containerSocket,
    nodeId: config.nodeId,
    network: config.PODFN_FUNCTION_NETWORK,
    readOnlyRootfs: config.PODFN_FUNCTION_READONLY,
    tmpfsSizeMb: config.PODFN_FUNCTION_TMPFS_MB,
    runTmpfsMb: config.PODFN_FUNCTION_RUN_TMPFS_MB,
    shmSizeMb: config.PODFN_FUNCTION_SHM_MB,
    pidsLimit: config.PODFN_FUNCTION_PIDS_LIMIT,
    nofile: config.PODFN_FUNCTION_NOFILE,
    nproc: config.PODFN_FUNCTION_NPROC,
    maxResponseBytes: config.PODFN_MAX_RESPONSE_BYTES,
    maxLogBytes: config.PODFN_MAX_LOG_BYTES,
    hotDefaultMaxConcurrency: config.PODFN_HOT_MAX_CONCURRENCY,
    hotQueueSize: config.PODFN_HOT_QUEUE_SIZE,
    hotQueueWaitMs: config.PODFN_HOT_QUEUE_WAIT_MS,
    hotQueueTargetMs: config.PODFN_HOT_QUEUE_TARGET_MS,
    hotStartTimeoutMs: config.PODFN_HOT_START_TIMEOUT_MS,
    socketDir: config.PODFN_SOCKET_DIR,
    totalMemoryMb: config.totalMemoryMb,
    memoryWaitMs: config.PODFN_MEMORY_WAIT_MS,
    envUnderscoreHeaders: config.PODFN_ENV_UNDERSCORE_HEADERS,
  });
}
