import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { groupBy } from '../../lib/group-by.ts';
import type { ChannelCount } from './touchpoint.model.ts';
import { touchpointRepository } from './touchpoint.repository.ts';

export function createChannelCountsByCustomerIdLoader(db: Db) {
  return new DataLoader<string, ChannelCount[]>(async (ids) => {
    const byCustomer = groupBy(await touchpointRepository.channelCounts(db, ids), (r) => r.customerId);
    return ids.map((id) => (byCustomer.get(id) ?? []).map(({ channel, count }) => ({ channel, count })));
  });
}
