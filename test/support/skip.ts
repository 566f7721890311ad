// Outside CI a test may skip when the machine lacks what it needs (Java, Maven, the shared data),
// saying why. In CI (CI=true) nothing may skip: the same call fails the test instead.
import type { TestContext } from 'node:test';

/** Skips `t` with `reason`, or throws under CI=true, where a skip would hide a missing component. */
export function skipOutsideCi(t: TestContext, reason: string): void {
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: this test must not skip)`);
  t.skip(reason);
}
