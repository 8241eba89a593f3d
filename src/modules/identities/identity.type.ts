import { Field, ObjectType, UseMiddleware } from 'type-graphql';
import { MaskIdentityValue } from '../../graphql/pii.middleware.ts';
import { IdentityType } from '../../graphql/scalars.ts';

@ObjectType({ description: 'One identifier of a person on one channel (email, phone, app user id, WeChat openid, ...).' })
export class Identity {
  @Field(() => IdentityType) type!: IdentityType;
  @Field(() => String, { description: 'Normalised: emails lower-cased and trimmed, phones in E.164.' }) @UseMiddleware(MaskIdentityValue) value!: string;
  @Field(() => String, { description: 'The system that reported it ("" when unknown).' }) source!: string;
  @Field(() => Date) createdAt!: Date;
}
