/** Clicks in the last ten minutes. */
import { windowCount, TEN_MINUTES } from './window-count.ts';

export const clicks10m = windowCount({ name: 'clicks_10m', ...TEN_MINUTES, amount: (type) => (type === 'click' ? 1 : 0) });
