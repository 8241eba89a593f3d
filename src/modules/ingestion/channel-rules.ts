/**
 * The tables channel inference reads (see channel-inference.ts for the order they apply in). Extend
 * here: a new medium, site or SDK is one line.
 */
import type { Channel } from '../../generated/prisma/enums.ts';

/**
 * A site is matched on a host or a utm_source. A pattern with a dot matches that domain and its
 * subdomains ("x.com" matches "mobile.x.com", not "box.com"); one without matches a whole label or word
 * ("google" matches "www.google.co.uk" and "Google Ads", not "googlemail").
 */
export interface SiteRule {
  name: string;
  patterns: string[];
}

export const SEARCH_ENGINES: SiteRule[] = [
  { name: 'google', patterns: ['google'] },
  { name: 'bing', patterns: ['bing'] },
  { name: 'baidu', patterns: ['baidu'] },
  { name: 'yahoo', patterns: ['yahoo'] },
  { name: 'duckduckgo', patterns: ['duckduckgo'] },
  { name: 'sogou', patterns: ['sogou'] },
  { name: '360', patterns: ['360', 'so.com', 'haosou'] },
];

export const SOCIAL_SITES: SiteRule[] = [
  { name: 'facebook', patterns: ['facebook', 'fb.com'] },
  { name: 'instagram', patterns: ['instagram'] },
  { name: 'twitter', patterns: ['twitter', 'x.com', 't.co'] },
  { name: 'linkedin', patterns: ['linkedin', 'lnkd.in'] },
  { name: 'weibo', patterns: ['weibo'] },
  { name: 'douyin', patterns: ['douyin'] },
  { name: 'tiktok', patterns: ['tiktok'] },
  { name: 'xiaohongshu', patterns: ['xiaohongshu', 'xhslink.com'] },
  { name: 'wechat', patterns: ['wechat', 'weixin'] },
  { name: 'youtube', patterns: ['youtube', 'youtu.be'] },
];

/**
 * utm_medium rules, first match wins. Mediums compare without case, spaces, "-" or "_", so
 * "Social_Media" is "social-media". `searchEngineSource` rules apply only when utm_source is a
 * search engine: paid search is SEARCH, other paid traffic ADS.
 */
export interface MediumRule {
  mediums: string[];
  channel: Channel;
  searchEngineSource?: true;
}

export const MEDIUM_RULES: MediumRule[] = [
  { mediums: ['cpc', 'ppc', 'paid', 'paidsearch'], searchEngineSource: true, channel: 'SEARCH' },
  { mediums: ['cpc', 'ppc', 'paid', 'paidsearch', 'display', 'banner', 'cpm'], channel: 'ADS' },
  { mediums: ['email', 'newsletter', 'edm'], channel: 'EMAIL' },
  { mediums: ['sms'], channel: 'SMS' },
  { mediums: ['social', 'social-network', 'social-media', 'sm'], channel: 'SOCIAL' },
  { mediums: ['organic'], searchEngineSource: true, channel: 'SEARCH' },
];

/** Substrings of context.library.name, lower case. */
export const MINI_PROGRAM_LIBRARIES = ['miniprogram', 'mini-program', 'weapp'];
export const MOBILE_LIBRARIES = ['analytics-ios', 'analytics-android', 'analytics-swift', 'analytics-kotlin', 'react-native'];
export const BROWSER_LIBRARIES = ['analytics.js'];
