/**
 * The channel of an event that does not name one, from the strongest evidence to the weakest:
 * campaign (utm) medium, then the referrer, then what sent it (mini program, app, browser).
 */
import type { Channel, TouchpointType } from '../../generated/prisma/enums.ts';
import {
  BROWSER_LIBRARIES,
  MEDIUM_RULES,
  MINI_PROGRAM_LIBRARIES,
  MOBILE_LIBRARIES,
  SEARCH_ENGINES,
  SOCIAL_SITES,
  type SiteRule,
} from './channel-rules.ts';

export interface ChannelEvidence {
  type: TouchpointType;
  context: Record<string, unknown>;
  properties: Record<string, unknown>;
}

export interface InferredChannel {
  channel: Channel;
  /** The known site's name, else the utm_source as sent (lower case), else null. */
  sourceName: string | null;
  /** context.campaign.name, else utm_campaign (page URL, then page.search), as sent (trimmed); else null. */
  campaign: string | null;
}

const MAX_SOURCE_NAME_LENGTH = 256;
export const MAX_CAMPAIGN_LENGTH = 256;

export function inferChannel(e: ChannelEvidence): InferredChannel {
  const { medium, source, name } = campaignOf(e);
  const campaign = name?.slice(0, MAX_CAMPAIGN_LENGTH) ?? null;
  const sourceEngine = source ? matchSite(source, SEARCH_ENGINES) : null;
  const referrer = hostOf(pageField(e, 'referrer'));
  const referrerEngine = referrer ? matchSite(referrer, SEARCH_ENGINES) : null;
  const referrerSocial = referrer ? matchSite(referrer, SOCIAL_SITES) : null;
  const sourceName =
    (source && (sourceEngine ?? matchSite(source, SOCIAL_SITES) ?? source.slice(0, MAX_SOURCE_NAME_LENGTH))) ??
    referrerEngine ??
    referrerSocial;

  const byMedium = medium
    ? MEDIUM_RULES.find((r) => r.mediums.some((m) => compact(m) === medium) && (!r.searchEngineSource || sourceEngine))
    : undefined;
  if (byMedium) return { channel: byMedium.channel, sourceName, campaign };
  if (referrerEngine) return { channel: 'SEARCH', sourceName, campaign };
  if (referrerSocial) return { channel: 'SOCIAL', sourceName, campaign };

  const library = text(asObject(e.context.library)?.name)?.toLowerCase() ?? '';
  const sentBy = (names: string[]) => names.some((n) => library.includes(n));
  // Before APP: mini-program SDKs may also fill context.app, and the mini program is the more specific answer.
  if (asObject(e.context.miniProgram) || sentBy(MINI_PROGRAM_LIBRARIES)) return { channel: 'MINI_PROGRAM', sourceName, campaign };
  if (asObject(e.context.app) || e.type === 'SCREEN' || sentBy(MOBILE_LIBRARIES)) return { channel: 'APP', sourceName, campaign };
  if (e.type === 'PAGE' || sentBy(BROWSER_LIBRARIES)) return { channel: 'WEB', sourceName, campaign };
  return { channel: 'OTHER', sourceName, campaign };
}

/** utm medium, source and campaign name: context.campaign first, then the page URL's query, then page.search. */
function campaignOf(e: ChannelEvidence): { medium: string | null; source: string | null; name: string | null } {
  const campaign = asObject(e.context.campaign);
  const query = [queryOf(pageField(e, 'url')), new URLSearchParams(pageField(e, 'search') ?? '')];
  const utm = (key: 'medium' | 'source' | 'name', param = `utm_${key}`) =>
    text(campaign?.[key]) ?? query.map((q) => text(q?.get(param))).find((v) => v !== null) ?? null;
  const medium = utm('medium');
  return { medium: medium === null ? null : compact(medium), source: utm('source')?.toLowerCase() ?? null, name: utm('name', 'utm_campaign') };
}

/** context.page, or for a page call the Segment page properties (url, referrer, search) as a fallback. */
function pageField(e: ChannelEvidence, key: 'url' | 'referrer' | 'search'): string | null {
  return text(asObject(e.context.page)?.[key]) ?? (e.type === 'PAGE' ? text(e.properties[key]) : null);
}

/** The first rule with a pattern matching the host or free-text source, by name. */
export function matchSite(value: string, rules: SiteRule[]): string | null {
  const lower = value.toLowerCase();
  const words = new Set(lower.split(/[^a-z0-9]+/));
  const matches = (p: string) => (p.includes('.') ? lower === p || lower.endsWith(`.${p}`) : words.has(p));
  return rules.find((r) => r.patterns.some(matches))?.name ?? null;
}

const compact = (medium: string) => medium.toLowerCase().replace(/[\s_-]+/g, '');
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const asObject = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function hostOf(url: string | null): string | null {
  return parseUrl(url)?.hostname.toLowerCase() || null;
}

function queryOf(url: string | null): URLSearchParams | null {
  return parseUrl(url)?.searchParams ?? null;
}

function parseUrl(url: string | null): URL | null {
  if (!url) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
