import { ArgsType, Field, ID, Int } from 'type-graphql';
import { IdentityType } from '../../graphql/scalars.ts';
import { CustomerFilterInput, CustomerInput, CustomerOrderInput } from './customer.inputs.ts';

@ArgsType()
export class CustomerByIdentityArgs {
  @Field(() => IdentityType) type!: IdentityType;
  @Field(() => String, { description: 'Normalised like stored values, so " Foo@Example.COM " finds foo@example.com.' })
  value!: string;
}

@ArgsType()
export class CustomersArgs {
  @Field(() => CustomerFilterInput, { nullable: true }) filter?: CustomerFilterInput | null;
  @Field(() => CustomerOrderInput, { nullable: true, description: 'Default: oldest first.' }) orderBy?: CustomerOrderInput | null;
  @Field(() => Int, { nullable: true, description: 'Page size, 20 by default, at most 100.' }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
}

@ArgsType()
export class UpsertCustomersArgs {
  @Field(() => [CustomerInput], { description: 'At most 1,000 rows.' }) input!: CustomerInput[];
}

@ArgsType()
export class CustomerIdArgs {
  @Field(() => ID) id!: string;
}
