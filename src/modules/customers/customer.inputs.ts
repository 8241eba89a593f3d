import { Field, InputType } from 'type-graphql';
import { IdentityType, JSONObjectScalar, JSONScalar, SortDirection } from '../../graphql/scalars.ts';
import { registerEnumType } from 'type-graphql';
import { UpsertStatus } from './customer.type.ts';

registerEnumType(UpsertStatus, { name: 'UpsertStatus' });

@InputType()
export class IdentityInput {
  @Field(() => IdentityType) type!: IdentityType;
  @Field(() => String) value!: string;
}

@InputType({ description: 'One customer row from a CRM or back office. Absent fields are kept; null clears a field.' })
export class CustomerInput {
  @Field(() => String, { nullable: true, description: 'Id of the record in the source system.' }) externalId?: string | null;
  @Field(() => String, { nullable: true, description: 'The source system (e.g. "salesforce"); scopes externalId.' })
  source?: string | null;
  @Field(() => [IdentityInput], { nullable: true }) identities?: IdentityInput[] | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true, description: 'Any format; stored in E.164 (DEFAULT_PHONE_REGION for local numbers).' })
  phone?: string | null;
  @Field(() => String, { nullable: true }) firstName?: string | null;
  @Field(() => String, { nullable: true }) lastName?: string | null;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) gender?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD.' }) birthday?: string | null;
  @Field(() => String, { nullable: true }) country?: string | null;
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => String, { nullable: true }) company?: string | null;
  @Field(() => JSONObjectScalar, { nullable: true, description: 'Free attributes, merged key by key into the stored traits.' })
  traits?: Record<string, unknown> | null;
}

@InputType()
export class DateRangeInput {
  @Field(() => Date, { nullable: true }) from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Exclusive.' }) to?: Date | null;
}

@InputType({ description: 'A condition on one key of the traits.' })
export class TraitFilterInput {
  @Field(() => String) key!: string;
  @Field(() => JSONScalar, { nullable: true, description: 'The trait equals this JSON value.' }) equals?: unknown;
  @Field(() => Boolean, { nullable: true, description: 'The trait is present (true) or absent (false).' }) exists?: boolean | null;
}

@InputType({ description: 'All given conditions must hold.' })
export class CustomerFilterInput {
  @Field(() => String, { nullable: true, description: 'Case-insensitive text search over name, first/last name and email.' })
  search?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) phone?: string | null;
  @Field(() => String, { nullable: true }) externalId?: string | null;
  @Field(() => String, { nullable: true }) source?: string | null;
  @Field(() => String, { nullable: true }) country?: string | null;
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => String, { nullable: true }) company?: string | null;
  @Field(() => String, { nullable: true }) gender?: string | null;
  @Field(() => [TraitFilterInput], { nullable: true }) traits?: TraitFilterInput[] | null;
  @Field(() => String, { nullable: true, description: 'Has the tag with this key.' }) tag?: string | null;
  @Field(() => String, { nullable: true, description: 'Is a current member of this segment.' }) segmentId?: string | null;
  @Field(() => DateRangeInput, { nullable: true }) lastSeen?: DateRangeInput | null;
  @Field(() => DateRangeInput, { nullable: true }) firstSeen?: DateRangeInput | null;
  @Field(() => DateRangeInput, { nullable: true }) createdAt?: DateRangeInput | null;
}

export enum CustomerOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  LAST_SEEN_AT = 'LAST_SEEN_AT',
  FIRST_SEEN_AT = 'FIRST_SEEN_AT',
  LIFETIME_VALUE = 'LIFETIME_VALUE',
  ORDER_COUNT = 'ORDER_COUNT',
  TOUCHPOINT_COUNT = 'TOUCHPOINT_COUNT',
}
registerEnumType(CustomerOrderField, { name: 'CustomerOrderField' });

@InputType()
export class CustomerOrderInput {
  @Field(() => CustomerOrderField) field!: CustomerOrderField;
  @Field(() => SortDirection, { defaultValue: SortDirection.ASC }) direction!: SortDirection;
}
