import { z } from 'zod';
import { isoDate, listSchema } from '../common/openapi';
import { CHANNEL_STATES } from './channel-state';

export const channelStatesSchema = listSchema(
  z.object({
    channel: z.string(),
    state: z.enum(CHANNEL_STATES),
    since: isoDate.nullish().describe('failing since (retrying or down)'),
    waiting: z.number().int(),
    dead: z.number().int(),
  }),
);
