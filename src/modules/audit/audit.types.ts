import { Field, ID, ObjectType } from 'type-graphql';
import { PageInfo } from '../../graphql/pagination.ts';
import { JSONObjectScalar } from '../../graphql/scalars.ts';

@ObjectType({ description: 'One audited action. Targets and details are ids and counts, never personal data.' })
export class AuditEntry {
  @Field(() => ID) id!: string;
  @Field(() => Date) at!: Date;
  @Field(() => ID, { nullable: true, description: 'The API key that acted (null for the CLI).' }) apiKeyId!: string | null;
  @Field(() => String, { description: 'The key name at the time, or "cli".' }) actor!: string;
  @Field(() => String, { description: 'The operation, e.g. eraseCustomer, upsertCustomers.' }) action!: string;
  @Field(() => String, { nullable: true, description: 'The record acted on (an id), when there is one.' }) target!: string | null;
  @Field(() => String, { description: '"ok" or the error code the operation failed with.' }) outcome!: string;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field(() => JSONObjectScalar, { description: 'Counts, e.g. {"inputCount": 50}.' }) details!: Record<string, unknown>;
}

@ObjectType()
export class AuditEntryEdge {
  @Field(() => String) cursor!: string;
  @Field(() => AuditEntry) node!: AuditEntry;
}

@ObjectType()
export class AuditEntryConnection {
  @Field(() => [AuditEntryEdge]) edges!: AuditEntryEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
