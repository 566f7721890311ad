/** Views in the last hour (and CTR's denominator). */
import { windowCount, ONE_HOUR } from './window-count.ts';

export const views1h = windowCount({ name: 'views_1h', ...ONE_HOUR, amount: (type) => (type === 'view' ? 1 : 0) });
