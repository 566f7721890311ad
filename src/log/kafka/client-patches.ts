/**
 * One fix to @platformatic/kafka 1.35, applied once when the Kafka log is loaded.
 *
 * While a broker is leaving the cluster (killed, fenced by the controller), a metadata answer can
 * already leave it out of the broker list yet still name it as a partition's leader or a group's
 * coordinator. The client then asks its connection pool for `brokers.get(id)`, which is
 * `undefined`, and the pool throws a TypeError from inside a callback: an uncaught exception that
 * takes the whole process down (seen in test/pipeline/kafka-broker-loss.test.ts). Here such a
 * request fails with a retriable NetworkError instead, and the client's cached metadata is dropped
 * so that its next operation asks the cluster again.
 */
import { Base, NetworkError, kGetConnection } from '@platformatic/kafka';

type Callback = (error: Error | null, connection?: unknown) => void;
interface Patched {
  [kGetConnection](broker: unknown, callback: Callback): void;
  clearMetadata(): void;
}

const proto = Base.prototype as unknown as Patched & { __eddyPatched?: boolean };
if (!proto.__eddyPatched) {
  const original = proto[kGetConnection];
  proto[kGetConnection] = function (this: Patched, broker: unknown, callback: Callback): void {
    if (broker === undefined || broker === null) {
      this.clearMetadata();
      callback(new NetworkError('broker not in the cluster metadata (it is leaving; asking again)'));
      return;
    }
    original.call(this, broker, callback);
  };
  proto.__eddyPatched = true;
}
