/** Types of waits.mjs: the tests' named waits. */
export declare const LOCAL_MS: number;
export declare const ARRIVE_MS: number;
export declare const CONNECT_MS: number;
export declare const FRAMES_MS: number;
export declare const MESH_MS: number;
export declare const E2E_MS: number;
export declare const REPLY_MS: number;
export declare const SETTLE_MS: number;
export declare const BULK_MS: number;
export declare const TEST_MS: number;
export declare const LONG_TEST_MS: number;
export declare const SERVER_TEST_MS: number;
export declare const PROCESS_TEST_MS: number;
export declare const PACKAGE_TEST_MS: number;
export declare const QUIET_MS: number;
export declare const LATE_ERROR_MS: number;
export declare const AFTER_CONNECT_MS: number;
export declare const TICK_MS: number;
export declare const REATTACH_MS: number;
export declare const POLL_MS: number;
export declare function sleep(ms: number): Promise<void>;
export declare function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs?: number,
  what?: string,
): Promise<void>;
export declare function within<T>(promise: Promise<T>, timeoutMs: number, what?: string): Promise<T>;
export declare function orAfter<T, F = null>(promise: Promise<T>, timeoutMs: number, fallback?: F): Promise<T | F>;
