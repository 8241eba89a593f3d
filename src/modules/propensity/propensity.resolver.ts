import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root, UseMiddleware } from 'type-graphql';
import { Audited } from '../../graphql/audit.middleware.ts';
import type { Context } from '../../graphql/context.ts';
import { Access } from '../auth/access.ts';
import type { CustomerRecord } from '../customers/customer.model.ts';
import { Customer } from '../customers/customer.type.ts';
import type { StoredModel } from './propensity.repository.ts';
import { CustomerPropensity, PropensityKind, PropensityModel, TrainPropensityInput } from './propensity.types.ts';

const toModel = (m: StoredModel): PropensityModel => {
  const body = m.model as { intercept: number; weights: number[]; features: string[] };
  return { ...m, intercept: body.intercept, weights: body.features.map((feature, i) => ({ feature, weight: body.weights[i]! })) };
};

@Resolver()
export class PropensityResolver {
  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => PropensityModel, { description: 'Fits a logistic-regression propensity model with a time split, stores it with its held-out AUC and scores every customer (docs/propensity.md).' })
  async trainPropensity(@Arg('input', () => TrainPropensityInput) input: TrainPropensityInput, @Ctx() ctx: Context) {
    return toModel(await ctx.services.propensity.train(input));
  }

  @Authorized(...Access.READ)
  @Query(() => [PropensityModel], { description: 'Trained models, newest first.' })
  async propensityModels(
    @Arg('kind', () => PropensityKind, { nullable: true }) kind: PropensityKind | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Ctx() ctx: Context,
  ) {
    return (await ctx.services.propensity.models(kind, first)).map(toModel);
  }
}

@Resolver(() => Customer)
export class CustomerPropensityResolver {
  @FieldResolver(() => CustomerPropensity, { description: 'Conversion and churn probabilities from the latest models (docs/propensity.md).' })
  propensity(@Root() c: CustomerRecord, @Ctx() ctx: Context) {
    return ctx.loaders.propensityByCustomerId.load(c.id);
  }
}
