import { registerEnumType } from 'type-graphql';
import { Channel, IdentityType, TouchpointType, TagKind, MembershipChangeKind, ApiKeyRole } from '../generated/prisma/enums.ts';

export { JSONScalar, JSONObjectScalar } from './json-scalars.ts';

/** The database enums are the GraphQL enums: one list of names, no mapping to drift. */
registerEnumType(IdentityType, { name: 'IdentityType', description: 'Kinds of identifier that point at a person.' });
registerEnumType(Channel, { name: 'Channel', description: 'Normalised channel a touchpoint came through.' });
registerEnumType(TouchpointType, { name: 'TouchpointType' });
registerEnumType(TagKind, { name: 'TagKind' });
registerEnumType(MembershipChangeKind, { name: 'MembershipChangeKind' });
registerEnumType(ApiKeyRole, { name: 'ApiKeyRole' });

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

export { Channel, IdentityType, TouchpointType, TagKind, MembershipChangeKind, ApiKeyRole };
