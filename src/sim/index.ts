/** The synthetic traffic generator behind `eddy simulate`: its public face. */
export { parseSimulateArgs, parseDuration, parseRampStep, RAMP_DEFAULTS, type RampOptions, type RampStep, type ServiceLevels, type SimulateOptions } from './args.ts';
export { runSimulation, type SimulationSinks } from './runner.ts';
export { runRamp } from './ramp.ts';
export { judgeStep, rampRates, rampVerdict, type Breach, type Level, type RampVerdict, type StepMeasurement, type StepResult } from './ramp-verdict.ts';
export { formatRampSummary, type RampSummary } from './ramp-summary.ts';
export { renderRampReport, writeRampReport } from './ramp-report.ts';
export { formatSummary, type SimulationSummary } from './summary.ts';
export { createWorld, isTaste, chanceTasteShare, DEFAULT_CATEGORIES, type SimItem, type SimUser, type SimWorld, type Taste, type WorldOptions } from './world.ts';
export { Behaviour, DEFAULT_BEHAVIOUR, type BehaviourOptions, type BehaviourSettings, type Session, type SimEvent } from './behaviour.ts';
export { Rng, ZipfSampler } from './random.ts';
