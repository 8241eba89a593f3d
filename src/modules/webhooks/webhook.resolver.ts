import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, UseMiddleware } from 'type-graphql';
import { Audited } from '../../graphql/audit.middleware.ts';
import type { Context } from '../../graphql/context.ts';
import { Access } from '../auth/access.ts';
import type { WebhookView } from './webhook.service.ts';
import { CreatedWebhook, CreateWebhookInput, ReplayedDeadLetters, UpdateWebhookInput, Webhook, WebhookDeadLetterConnection, WebhookEventFilter, WebhookStats } from './webhook.types.ts';

@Resolver(() => Webhook)
export class WebhookResolver {
  @Authorized(...Access.ADMIN)
  @Query(() => [Webhook], { description: 'Every webhook destination with its delivery stats, oldest first. ADMIN only.' })
  webhooks(@Ctx() ctx: Context) {
    return ctx.services.webhooks.list();
  }

  @Authorized(...Access.ADMIN)
  @Query(() => Webhook, { nullable: true, description: 'ADMIN only.' })
  webhook(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.get(id);
  }

  @Authorized(...Access.ADMIN)
  @Query(() => WebhookDeadLetterConnection, { description: 'Items given up on, oldest first. ADMIN only.' })
  webhookDeadLetters(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return ctx.services.webhooks.deadLetters(id, { first, after });
  }

  @Authorized(...Access.ADMIN)
  @UseMiddleware(Audited({ target: (_args, result) => (result as CreatedWebhook | null)?.webhook.id ?? null }))
  @Mutation(() => CreatedWebhook, { description: 'Makes a destination; the signing secret is in this answer and never again. ADMIN only.' })
  createWebhook(@Arg('input', () => CreateWebhookInput) input: CreateWebhookInput, @Ctx() ctx: Context) {
    return ctx.services.webhooks.create(input);
  }

  @Authorized(...Access.ADMIN)
  @UseMiddleware(Audited())
  @Mutation(() => Webhook, { description: 'Changes the fields given. ADMIN only.' })
  updateWebhook(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateWebhookInput) input: UpdateWebhookInput, @Ctx() ctx: Context) {
    return ctx.services.webhooks.update(id, input);
  }

  @Authorized(...Access.ADMIN)
  @UseMiddleware(Audited())
  @Mutation(() => Webhook, { description: 'Stops sending (items keep queueing). Idempotent. ADMIN only.' })
  pauseWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.setPaused(id, true);
  }

  @Authorized(...Access.ADMIN)
  @UseMiddleware(Audited())
  @Mutation(() => Webhook, { description: 'Sends again, from where it stopped; clears the failure streak. Idempotent. ADMIN only.' })
  resumeWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.setPaused(id, false);
  }

  @Authorized(...Access.ADMIN)
  @UseMiddleware(Audited())
  @Mutation(() => Boolean, { description: 'Deletes the destination, its queue and dead letters. false when there was none (a retried delete). ADMIN only.' })
  deleteWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.remove(id);
  }

  @Authorized(...Access.ADMIN)
  @UseMiddleware(Audited())
  @Mutation(() => ReplayedDeadLetters, { description: 'Puts dead letters back in the queue (all of them without ids). Idempotent. ADMIN only.' })
  async replayWebhookDeadLetters(@Arg('id', () => ID) id: string, @Ctx() ctx: Context, @Arg('ids', () => [ID], { nullable: true }) ids?: string[] | null) {
    return { replayed: await ctx.services.webhooks.replay(id, ids ?? null) };
  }

  @FieldResolver(() => WebhookEventFilter)
  eventFilter(@Root() w: WebhookView): WebhookEventFilter {
    return { events: w.eventNames, channels: w.channels as WebhookEventFilter['channels'] };
  }

  @FieldResolver(() => WebhookStats)
  stats(@Root() w: WebhookView): WebhookStats {
    return {
      delivered: w.delivered,
      retried: w.retried,
      failed: w.failed,
      deadLettered: w.deadLettered,
      pending: w.pending,
      deadLetters: w.deadLetters,
      requests: w.requests,
      latencyMsAvg: w.requests ? w.latencyMsSum / w.requests : null,
      latencyMsMax: w.latencyMsMax,
      lastDeliveredAt: w.lastDeliveredAt,
      lastError: w.lastError,
      consecutiveDead: w.consecutiveDead,
      segmentCursor: String(w.segmentCursor),
    };
  }
}
