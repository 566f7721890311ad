/** Views in the last ten minutes. */
import { windowCount, TEN_MINUTES } from './window-count.ts';

export const views10m = windowCount({ name: 'views_10m', ...TEN_MINUTES, amount: (type) => (type === 'view' ? 1 : 0) });
