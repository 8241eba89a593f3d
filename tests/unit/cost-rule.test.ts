/**
 * The cost rule against the formula it documents (objects 2, scalars 1, ×1.5 per level, × page size),
 * computed here by hand for each document — in particular that `first: $n` is costed at the largest
 * page, not as one row.
 */
import 'reflect-metadata';
import { parse, validate, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { costLimitRule } from '../../src/graphql/cost-rule.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/graphql/page-limits.ts';
import { buildAppSchema } from '../../src/graphql/schema.ts';

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildAppSchema({ publish() {}, subscribe() { throw new Error('unused'); } } as never);
});

/** The cost the rule reports (0 when under the limit of 0, i.e. an empty document). */
function cost(query: string): number {
  const errors = validate(schema, parse(query), [costLimitRule(0)]);
  const m = /found (\d+)/.exec(errors[0]?.message ?? '');
  return m ? Number(m[1]) : 0;
}

const obj = (...children: number[]) => 2 + 1.5 * children.reduce((a, b) => a + b, 0);
/** customers(first: n) { edges { node { id email } } } */
const customersOf = (n: number) => Math.round(obj(obj(obj(1, 1))) * n);

describe('cost rule', () => {
  it('multiplies a page by its literal size', () => {
    expect(cost('{ customers(first: 10) { edges { node { id email } } } }')).toBe(customersOf(10));
  });

  it('costs `first: $n` as the largest page, and a declared default as that default', () => {
    expect(cost('query($n: Int) { customers(first: $n) { edges { node { id email } } } }')).toBe(customersOf(MAX_PAGE_SIZE));
    expect(cost('query($n: Int = 5) { customers(first: $n) { edges { node { id email } } } }')).toBe(customersOf(5));
  });

  it('costs a paged field without first as the default page, and an unpaged list as one', () => {
    expect(cost('{ customers { edges { node { id email } } } }')).toBe(customersOf(DEFAULT_PAGE_SIZE));
    expect(cost('{ segments { id name } }')).toBe(Math.round(obj(1, 1)));
  });

  it('multiplies nested pages: a connection bomb written with variables is expensive', () => {
    const q = `query($a: Int, $b: Int) { customers(first: $a) { edges { node { journey(first: $b) { edges { node { session } } } } } } }`;
    const journey = obj(obj(obj(1))) * MAX_PAGE_SIZE;
    expect(cost(q)).toBe(Math.round(obj(obj(obj(journey))) * MAX_PAGE_SIZE));
    expect(cost(q)).toBeGreaterThan(100_000);
  });

  it('counts fragments where they are spread and stops on a cycle', () => {
    expect(cost('query { customers(first: 10) { edges { node { ...F } } } } fragment F on Customer { id email }')).toBe(customersOf(10));
    const cyclic = 'query { customers(first: 1) { edges { node { ...A } } } } fragment A on Customer { id ...B } fragment B on Customer { ...A }';
    expect(cost(cyclic)).toBeGreaterThan(1_000);
  });
});
