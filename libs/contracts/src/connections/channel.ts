import type { ConnectionsReply } from './connection';

/**
 * Channels (beyond AWS): a connection joins topics of its API stage; a publish reaches every
 * member on every edge in one call.
 */

/** Any edge → service, request-reply. Meta in CHANNEL_PUBLISH_HEADER, data as the payload. */
export const CONNECTIONS_CHANNEL_PUBLISH = 'portico.connections.channel.publish.v1' as const;
/** Any edge → service, request-reply: join or leave. */
export const CONNECTIONS_CHANNEL_MEMBERSHIP = 'portico.connections.channel.membership.v1' as const;

export const CHANNEL_PUBLISH_HEADER = 'Portico-Channel-Publish' as const;

export interface ChannelPublish {
  apiId: string;
  stage: string;
  topic: string;
}

export type ChannelPublishReply = ConnectionsReply<{ recipients: number }>;

export interface ChannelMembershipRequest {
  apiId: string;
  stage: string;
  topic: string;
  connectionId: string;
  action: 'join' | 'leave';
}

/** Topics: what a URL path segment can carry unencoded, up to 128 characters. */
export const CHANNEL_TOPIC_PATTERN = /^[A-Za-z0-9._~:@!$&'()*+,;=-]{1,128}$/;
