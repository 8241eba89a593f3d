/**
 * READER keys see personal data masked on every path to it; OPERATOR (and ADMIN) see it in full.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordTouchpointsDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const DOT = '•••';
const PERSON = {
  source: 'crm',
  externalId: 'PII-1',
  email: 'grace.hopper@navy.example',
  phone: '+14155552671',
  firstName: 'Grace',
  lastName: 'Hopper',
  name: 'Grace Hopper',
  birthday: '1906-12-09',
  country: 'US',
  traits: { plan: 'enterprise', email: 'grace.hopper@navy.example', nested: { phone: '+14155552671', rank: 'admiral' } },
  identities: [{ type: 'USER_ID' as const, value: 'u-grace' }],
};
const PROPS = { email: 'grace.hopper@navy.example', sku: 'COBOL-1' };

const PROFILE = `query($id: ID!) { customer(id: $id) {
  id email phone firstName lastName name birthday country traits
  identities { type value }
  journey { edges { node { touchpoint { event properties context } } } }
} }`;

describe.each(dbKinds)('PII masking per role on %s', (kind) => {
  let t: TestServer;
  let id: string;
  beforeAll(async () => {
    t = await startTestServer(kind);
    id = (await t.ok(UpsertCustomersDocument, { input: [PERSON] })).upsertCustomers.results[0]!.customerId!;
    await t.ok(RecordTouchpointsDocument, {
      input: [{ messageId: 'pii-order-1', event: 'Order Completed', userId: 'u-grace', properties: PROPS, context: { ip: '192.0.2.10', locale: 'en-US' } }],
    });
  });
  afterAll(() => t?.stop());

  type Profile = {
    customer: {
      id: string;
      email: string;
      phone: string;
      firstName: string;
      lastName: string;
      name: string;
      birthday: string;
      country: string;
      traits: Record<string, unknown>;
      identities: { type: string; value: string }[];
      journey: { edges: { node: { touchpoint: { event: string; properties: Record<string, unknown>; context: Record<string, unknown> } } }[] };
    };
  };
  const profile = async (role: 'READER' | 'OPERATOR' | 'ADMIN') => {
    const r = await t.gql<Profile, { id: string }>(PROFILE, { id }, { authorization: `Bearer ${t.keys[role]}` });
    expect(r.errors).toBeUndefined();
    return r.data!.customer;
  };

  it('READER: email, phone, names, birthday, PII traits, EMAIL/PHONE identities and touchpoint properties masked', async () => {
    const c = await profile('READER');
    expect(c).toMatchObject({
      id,
      email: `g${DOT}@navy.example`,
      phone: `+${DOT}71`,
      firstName: `G${DOT}`,
      lastName: `H${DOT}`,
      name: `G${DOT}`,
      birthday: DOT,
      country: PERSON.country, // not personal on its own
      traits: { plan: 'enterprise', email: `g${DOT}@navy.example`, nested: { phone: `+${DOT}71`, rank: 'admiral' } },
    });
    expect(c.identities).toEqual(
      expect.arrayContaining([
        { type: 'EMAIL', value: `g${DOT}@navy.example` },
        { type: 'PHONE', value: `+${DOT}71` },
        { type: 'USER_ID', value: 'u-grace' }, // pseudonymous ids stay
      ]),
    );
    const tp = c.journey.edges.map((e) => e.node.touchpoint).find((x) => x.event === 'Order Completed')!;
    expect(tp.properties).toMatchObject({ email: `g${DOT}@navy.example`, sku: PROPS.sku });
    expect(tp.context).toMatchObject({ ip: `1${DOT}`, locale: 'en-US' });
    const all = JSON.stringify(c);
    for (const secret of ['hopper', 'Hopper', '5552671', '1906', '192.0.2.10']) expect(all).not.toContain(secret);
  });

  it('READER: the same masking on lists and lookups by identity', async () => {
    const r = await t.gql<{ customers: { edges: { node: { email: string; phone: string } }[] }; customerByIdentity: { email: string; identities: { value: string }[] } }, Record<string, never>>(
      `{ customers(first: 10) { edges { node { email phone } } } customerByIdentity(type: USER_ID, value: "u-grace") { email identities { value } } }`,
      {},
      { authorization: `Bearer ${t.keys.READER}` },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.customers.edges.map((e) => e.node)).toEqual([{ email: `g${DOT}@navy.example`, phone: `+${DOT}71` }]);
    expect(r.data!.customerByIdentity.email).toBe(`g${DOT}@navy.example`);
    expect(JSON.stringify(r.data)).not.toContain('hopper');
    // A lookup by email would answer "is this their email?": refused for READER (security-pii-oracles.test.ts).
    const byEmail = await t.gql(`{ customerByIdentity(type: EMAIL, value: "${PERSON.email}") { id } }`, {}, { authorization: `Bearer ${t.keys.READER}` });
    expect(byEmail.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it.each(['OPERATOR', 'ADMIN'] as const)('%s sees everything in full', async (role) => {
    const c = await profile(role);
    expect(c).toMatchObject({
      email: PERSON.email,
      phone: PERSON.phone,
      firstName: PERSON.firstName,
      lastName: PERSON.lastName,
      name: PERSON.name,
      birthday: PERSON.birthday,
      traits: PERSON.traits,
    });
    expect(c.identities).toEqual(expect.arrayContaining([{ type: 'EMAIL', value: PERSON.email }, { type: 'PHONE', value: PERSON.phone }, { type: 'USER_ID', value: 'u-grace' }]));
    const tp = c.journey.edges.map((e) => e.node.touchpoint).find((x) => x.event === 'Order Completed')!;
    expect(tp.properties).toMatchObject(PROPS);
    expect(tp.context).toMatchObject({ ip: '192.0.2.10', locale: 'en-US' });
  });
});
