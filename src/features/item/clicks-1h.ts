/** Clicks in the last hour (and CTR's numerator). */
import { windowCount, ONE_HOUR } from './window-count.ts';

export const clicks1h = windowCount({ name: 'clicks_1h', ...ONE_HOUR, amount: (type) => (type === 'click' ? 1 : 0) });
