/** Every interaction, by its weight (a share says more than a view), over the last ten minutes (trending over 10m). */
import { INTERACTION_WEIGHT } from '../../events/interaction.ts';
import { windowCount, TEN_MINUTES } from './window-count.ts';

export const activity10m = windowCount({ name: 'activity_10m', ...TEN_MINUTES, amount: (type) => INTERACTION_WEIGHT[type] });
