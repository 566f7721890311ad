// Entry of a processing worker thread. Node 20's worker threads do not inherit a loader registered
// with --import, so the TypeScript loader is registered here before the worker's module loads.
import { register } from 'tsx/esm/api';

register();
await import('./topology-worker.ts');
