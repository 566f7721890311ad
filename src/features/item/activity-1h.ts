/** Every interaction, by its weight (a share says more than a view), over the last hour (trending over 1h). */
import { INTERACTION_WEIGHT } from '../../events/interaction.ts';
import { windowCount, ONE_HOUR } from './window-count.ts';

export const activity1h = windowCount({ name: 'activity_1h', ...ONE_HOUR, amount: (type) => INTERACTION_WEIGHT[type] });
