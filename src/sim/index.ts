/** The synthetic traffic generator behind `eddy simulate`: its public face. */
export { parseSimulateArgs, parseDuration, type SimulateOptions } from './args.ts';
export { runSimulation, type SimulationSinks } from './runner.ts';
export { formatSummary, type SimulationSummary } from './summary.ts';
export { createWorld, isTaste, chanceTasteShare, DEFAULT_CATEGORIES, type SimItem, type SimUser, type SimWorld, type Taste, type WorldOptions } from './world.ts';
export { Behaviour, DEFAULT_BEHAVIOUR, type BehaviourOptions, type BehaviourSettings, type Session, type SimEvent } from './behaviour.ts';
export { Rng, ZipfSampler } from './random.ts';
