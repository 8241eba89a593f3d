import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ApiKeyRole } from '../../generated/prisma/enums.ts';

registerEnumType(ApiKeyRole, {
  name: 'ApiKeyRole',
  description: 'READER reads (PII masked); WRITER sends data only; OPERATOR runs segments, tags and merges; ADMIN does everything, including keys and privacy.',
});
export { ApiKeyRole };

@ObjectType({ description: 'An API key as listed: never the key itself, only its first characters.' })
export class ApiKey {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'cdp_ and the next 8 characters, to recognise a key.' }) prefix!: string;
  @Field(() => ApiKeyRole) role!: ApiKeyRole;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => String, { description: 'The secret. Shown in this answer only; only its hash is stored.' }) key!: string;
  @Field(() => ApiKey) apiKey!: ApiKey;
}

@ObjectType({ description: 'The key this request is signed with: what a client (the console) may offer.' })
export class Viewer {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => ApiKeyRole) role!: ApiKeyRole;
}
