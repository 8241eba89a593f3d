import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvRecords } from '../../src/cli/import/import-command.ts';
import { OLIST_ORIGIN_CHANNEL } from '../helpers/olist.ts';
import {
  buildMapping,
  checkHeader,
  mapChannel,
  mapCustomerRow,
  mappedColumns,
  MappingError,
  mapTouchpointRow,
  parseAssignments,
  parseColumnSource,
  parseMappingFile,
  parseNumber,
  type ImportKind,
  type MappingOptions,
} from '../../src/cli/import/mapping.ts';

const problemsOf = (kind: ImportKind, ...layers: MappingOptions[]): string[] => {
  try {
    buildMapping(kind, layers);
    return [];
  } catch (err) {
    if (err instanceof MappingError) return err.problems;
    throw err;
  }
};

const OLIST_CHANNELS = OLIST_ORIGIN_CHANNEL;

describe('parseAssignments', () => {
  it('splits at the first "=" and keeps empty values and names', () => {
    expect(parseAssignments(['a=b', ' c =d=e', 'f=', '=OTHER'], '--map')).toEqual({ a: 'b', c: 'd=e', f: '', '': 'OTHER' });
  });
  it('names every value without "="', () => {
    expect(() => parseAssignments(['ok=1', 'nope', 'neither'], '--set')).toThrow(/--set "nope".*\n.*--set "neither"/);
  });
});

describe('parseColumnSource', () => {
  it('is a column unless it has a {placeholder}', () => {
    expect(parseColumnSource(' mql_id ')).toEqual({ column: 'mql_id' });
    expect(parseColumnSource('lead-{mql_id}')).toEqual({ template: [{ text: 'lead-' }, { column: 'mql_id' }] });
    expect(parseColumnSource('{a}:{ b }!')).toEqual({ template: [{ column: 'a' }, { text: ':' }, { column: 'b' }, { text: '!' }] });
    expect(parseColumnSource('odd{')).toEqual({ column: 'odd{' });
  });
});

describe('parseMappingFile', () => {
  it('takes the sectioned form and the flat shorthand', () => {
    expect(parseMappingFile({ map: { email: 'Email' }, set: { source: 'crm' }, channelMap: { web: 'WEB' } })).toEqual({
      map: { email: 'Email' },
      set: { source: 'crm' },
      channelMap: { web: 'WEB' },
    });
    expect(parseMappingFile({ email: 'Email', externalId: 'Id' })).toEqual({ map: { email: 'Email', externalId: 'Id' } });
  });
  it('refuses other shapes with the file named', () => {
    expect(() => parseMappingFile([], 'm.json')).toThrow(/m\.json: expected a JSON object/);
    expect(() => parseMappingFile({ map: { a: 1 } }, 'm.json')).toThrow(/"map" must be an object of strings/);
    expect(() => parseMappingFile({ map: {}, extra: {} }, 'm.json')).toThrow(/unknown key "extra"/);
    expect(() => parseMappingFile({ email: 3 }, 'm.json')).toThrow(MappingError);
  });
});

describe('buildMapping', () => {
  it('accepts the fields of each kind, identity.<TYPE> and trait./property. keys', () => {
    expect(problemsOf('customers', { map: { externalId: 'id', 'identity.CRM_ID': 'id', 'trait.plan': 'plan', birthday: 'dob' }, set: { source: 'crm' } })).toEqual([]);
    expect(problemsOf('touchpoints', { map: { messageId: 'id', 'identity.EMAIL': 'e', 'property.sku': 's', revenue: 'r' }, set: { channel: 'web' } })).toEqual([]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf('customers', { map: { externalId: 'id', 'identity.FAX': 'f', 'trait.': 'x', 'property.a': 'b', messageId: 'm', email: '' } });
    expect(problems).toEqual([
      '"email": no column name given',
      '"identity.FAX": identity type must be one of EMAIL, PHONE, USER_ID, ANONYMOUS_ID, DEVICE_ID, CRM_ID, WECHAT_OPEN_ID, WECHAT_UNION_ID, COOKIE, CUSTOM',
      '"trait.": needs a key, e.g. trait.plan',
      expect.stringMatching(/^unknown customers field "property\.a"/),
      expect.stringMatching(/^unknown customers field "messageId"/),
    ]);
  });

  it('requires a messageId for touchpoints and a key for customers', () => {
    expect(problemsOf('touchpoints', { map: { event: 'e', userId: 'u' } })).toEqual([expect.stringMatching(/^touchpoints need a messageId/)]);
    expect(problemsOf('customers', { map: { name: 'n' }, set: { source: 'crm' } })).toEqual([expect.stringMatching(/^customers need a key/)]);
    expect(problemsOf('customers', { map: { 'identity.WECHAT_OPEN_ID': 'openid' } })).toEqual([]);
  });

  it('checks constants and channel-map targets against the enums', () => {
    expect(problemsOf('touchpoints', { map: { messageId: 'id' }, set: { type: 'click', channel: 'fax', revenue: 'lots' }, channelMap: { x: 'TV' } })).toEqual([
      'channel map "x=TV": "TV" is not one of WEB, APP, MINI_PROGRAM, SOCIAL, EMAIL, SMS, ADS, SEARCH, CALL_CENTER, SUPPORT, STORE_POS, CRM, OTHER',
      'type "click" is not one of TRACK, PAGE, SCREEN, IDENTIFY, GROUP, ALIAS',
      expect.stringMatching(/^channel "fax" is not one of/),
      'revenue "lots" is not a number',
    ]);
    expect(problemsOf('customers', { map: { externalId: 'id' }, channelMap: { a: 'WEB' } })).toEqual(['--channel-map applies to touchpoints only']);
  });

  it('refuses a field both mapped and set in one place; a later layer (the flags) overrides the file', () => {
    expect(problemsOf('customers', { map: { externalId: 'id', source: 'src' }, set: { source: 'crm' } })).toEqual([
      '"source" is both mapped to a column and set to a constant',
    ]);
    const m = buildMapping('customers', [{ map: { externalId: 'id', source: 'src' } }, { set: { source: 'crm' } }]);
    expect(m.fields.get('source')).toEqual({ constant: 'crm' });
  });
});

describe('checkHeader and mappedColumns', () => {
  const m = buildMapping('touchpoints', [{ map: { messageId: 'lead-{mql_id}', 'identity.CRM_ID': 'mql_id', occurredAt: 'when', channel: 'origin' }, set: { event: 'X' } }]);
  it('lists each column once, template columns included', () => {
    expect(mappedColumns(m).sort()).toEqual(['mql_id', 'origin', 'when']);
  });
  it('names missing and repeated columns and shows the header', () => {
    expect(checkHeader(m, ['mql_id', 'origin', 'when'])).toEqual([]);
    expect(checkHeader(m, ['mql_id', 'origin', 'origin'])).toEqual([
      'no column "when" in the file; its columns are: mql_id, origin, origin',
      'column "origin" appears 2 times in the header',
    ]);
  });
});

describe('mapCustomerRow', () => {
  const m = buildMapping('customers', [
    { map: { externalId: 'mql_id', 'identity.CRM_ID': 'mql_id', 'trait.landing_page_id': 'landing_page_id', 'trait.origin': 'origin', email: 'mail' }, set: { source: 'olist' } },
  ]);

  it('builds a CustomerInput: trimmed values, identities, traits', () => {
    const r = mapCustomerRow(m, { mql_id: ' m1 ', landing_page_id: 'lp', origin: 'social', mail: 'A@x.io' });
    expect(r).toEqual({
      ok: true,
      input: { externalId: 'm1', identities: [{ type: 'CRM_ID', value: 'm1' }], traits: { landing_page_id: 'lp', origin: 'social' }, email: 'A@x.io', source: 'olist' },
    });
  });

  it('leaves empty cells out (never null, which would clear a stored value)', () => {
    const r = mapCustomerRow(m, { mql_id: 'm2', landing_page_id: '', origin: '  ', mail: '' });
    expect(r).toEqual({ ok: true, input: { externalId: 'm2', identities: [{ type: 'CRM_ID', value: 'm2' }], source: 'olist' } });
  });

  it('refuses a row whose mapped externalId is empty', () => {
    expect(mapCustomerRow(m, { mql_id: '', landing_page_id: 'lp', origin: 'x', mail: 'a@x.io' })).toEqual({
      ok: false,
      errors: [{ field: 'externalId', code: 'MISSING_VALUE', message: 'empty (column "mql_id")' }],
    });
  });
});

describe('mapTouchpointRow', () => {
  const lead = buildMapping('touchpoints', [
    { map: { messageId: 'lead-{mql_id}', 'identity.CRM_ID': 'mql_id', occurredAt: 'first_contact_date', channel: 'origin' }, set: { event: 'Lead Created', source: 'olist' }, channelMap: OLIST_CHANNELS },
  ]);

  it('builds a TouchpointInput with a templated messageId and a mapped channel', () => {
    expect(mapTouchpointRow(lead, { mql_id: 'm1', first_contact_date: '2018-02-01', origin: 'paid_search' })).toEqual({
      ok: true,
      input: {
        messageId: 'lead-m1',
        type: 'TRACK',
        identities: [{ type: 'CRM_ID', value: 'm1' }],
        occurredAt: '2018-02-01',
        channel: 'SEARCH',
        event: 'Lead Created',
        source: 'olist',
      },
    });
  });

  it('maps every Olist origin, the empty one included', () => {
    const channelOf = (origin: string) => {
      const r = mapTouchpointRow(lead, { mql_id: 'm', first_contact_date: '2018-01-01', origin });
      return r.ok ? r.input.channel : r.errors;
    };
    expect(Object.keys(OLIST_CHANNELS).map(channelOf)).toEqual(['SEARCH', 'SEARCH', 'SOCIAL', 'EMAIL', 'ADS', 'ADS', 'WEB', 'WEB', 'OTHER', 'OTHER', 'OTHER']);
    expect(channelOf(' Organic_Search ')).toBe('SEARCH'); // keys match trimmed and in any case
  });

  it('refuses a row without its messageId, naming the template', () => {
    expect(mapTouchpointRow(lead, { mql_id: ' ', first_contact_date: '2018-02-01', origin: 'social' })).toEqual({
      ok: false,
      errors: [{ field: 'messageId', code: 'MISSING_VALUE', message: 'empty ("lead-{mql_id}")' }],
    });
  });

  it('refuses values the server could not coerce: type, channel, revenue', () => {
    const m = buildMapping('touchpoints', [{ map: { messageId: 'id', type: 't', channel: 'c', revenue: 'r', userId: 'u' } }]);
    const r = mapTouchpointRow(m, { id: '1', t: 'click', c: 'tv', r: '12,50', u: 'u1' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.map((e) => [e.field, e.code])).toEqual([
      ['type', 'INVALID_VALUE'],
      ['channel', 'INVALID_VALUE'],
      ['revenue', 'INVALID_VALUE'],
    ]);
    expect(!r.ok && r.errors[1]!.message).toBe(`"tv" is not a channel; map it with --channel-map 'tv=CHANNEL'`);
    expect(mapTouchpointRow(m, { id: '1', t: 'page', c: 'Web', r: '12.50', u: 'u1' })).toEqual({
      ok: true,
      input: { messageId: '1', type: 'PAGE', channel: 'WEB', revenue: 12.5, userId: 'u1' },
    });
  });

  it('treats zero revenue as none; an empty channel is left to the server to infer', () => {
    const deal = buildMapping('touchpoints', [
      { map: { messageId: 'deal-{mql_id}', revenue: 'declared_monthly_revenue', 'property.business_segment': 'business_segment', channel: 'ch' }, set: { event: 'Deal Won' } },
    ]);
    const r = mapTouchpointRow(deal, { mql_id: 'm', declared_monthly_revenue: '0.0', business_segment: 'pet', ch: '' });
    expect(r).toEqual({ ok: true, input: { messageId: 'deal-m', type: 'TRACK', properties: { business_segment: 'pet' }, event: 'Deal Won' } });
    const paid = mapTouchpointRow(deal, { mql_id: 'm', declared_monthly_revenue: '100000.0', business_segment: '', ch: '' });
    expect(paid.ok && paid.input.revenue).toBe(100000);
  });

  it('uses "*" for anything the channel map does not list, after real channel names', () => {
    const m = buildMapping('touchpoints', [{ map: { messageId: 'id', channel: 'c' }, channelMap: { '*': 'OTHER', tv: 'ADS' } }]);
    expect(mapChannel(m, 'tv')).toEqual({ ok: true, channel: 'ADS' });
    expect(mapChannel(m, 'sms')).toEqual({ ok: true, channel: 'SMS' });
    expect(mapChannel(m, 'fax')).toEqual({ ok: true, channel: 'OTHER' });
    expect(mapChannel(m, '')).toEqual({ ok: true, channel: 'OTHER' });
  });
});

describe('parseNumber', () => {
  it('reads plain decimal numbers only', () => {
    expect(['12', '-3.5', '.5', '1e3', ' 7 '].map(parseNumber)).toEqual([12, -3.5, 0.5, 1000, 7]);
    expect(['', '12,5', '1.2.3', 'NaN', 'Infinity', '0x10', '1e999'].map(parseNumber)).toEqual([null, null, null, null, null, null, null]);
  });
});

describe('csvRecords', () => {
  const read = async (text: string, delimiter = ',') => {
    const out: { line: number; record: string[] }[] = [];
    for await (const { line, record } of csvRecords(Readable.from([text]), delimiter)) out.push({ line, record });
    return out;
  };

  it('gives the line each record starts on, across quoted newlines, blank lines and CRLF', async () => {
    for (const nl of ['\n', '\r\n']) {
      const text = `\ufeffa,b${nl}1,2${nl}${nl}"x${nl}y",3${nl},${nl}4${nl}"p""q",5`;
      expect(await read(text)).toEqual([
        { line: 1, record: ['a', 'b'] },
        { line: 2, record: ['1', '2'] },
        { line: 4, record: [`x${nl}y`, '3'] },
        { line: 7, record: ['4'] }, // line 6 holds only a delimiter; a short record is still yielded
        { line: 8, record: ['p"q', '5'] },
      ]);
    }
  });

  it('takes another delimiter', async () => {
    expect(await read('a;b\n1;2,5\n', ';')).toEqual([
      { line: 1, record: ['a', 'b'] },
      { line: 2, record: ['1', '2,5'] },
    ]);
  });

  it('rejects on a CSV syntax error', async () => {
    await expect(read('a,b\n"open,2\n')).rejects.toMatchObject({ code: expect.stringMatching(/^CSV_/) });
  });
});
