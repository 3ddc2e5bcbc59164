import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AppError } from '../../common/errors/app-error';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import { duplicateKeyField } from '../../database/mongo-errors';
import { generateInvitationCode, normalizeInvitationCode } from './invitation-code';
import { PublicInvitation, toPublicInvitation } from './invitation.presenter';
import { InvitationsRepository, InvitationStatus } from './invitations.repository';

const HOUR_MS = 3_600_000;

export interface GenerateInvitationInput {
  maxUses?: number;
  expiresInHours?: number;
  note?: string;
}

@Injectable()
export class InvitationsService {
  constructor(private readonly invitations: InvitationsRepository) {}

  async generate(createdBy: string | null, input: GenerateInvitationInput): Promise<PublicInvitation> {
    const now = new Date();
    const invitation = {
      note: input.note ?? null,
      createdBy,
      now,
      expiresAt: new Date(now.getTime() + (input.expiresInHours ?? 168) * HOUR_MS),
      maxUses: input.maxUses ?? 1,
    };
    try {
      return toPublicInvitation(await this.invitations.create({ ...invitation, code: generateInvitationCode() }), now);
    } catch (error) {
      // 80 random bits make a collision all but impossible; if one happens, one more draw settles it.
      if (duplicateKeyField(error) === undefined) throw error;
      return toPublicInvitation(await this.invitations.create({ ...invitation, code: generateInvitationCode() }), now);
    }
  }

  async list(status: InvitationStatus | undefined, limit: number): Promise<PublicInvitation[]> {
    const now = new Date();
    return (await this.invitations.list(status, now, limit)).map((invitation) => toPublicInvitation(invitation, now));
  }

  async revoke(code: string): Promise<PublicInvitation> {
    const canonical = normalizeInvitationCode(code);
    if (!canonical) throw new AppError('NOT_FOUND', 'Invitation not found');
    const now = new Date();
    const invitation = (await this.invitations.revoke(canonical, now)) ?? (await this.invitations.findByCode(canonical));
    if (!invitation) throw new AppError('NOT_FOUND', 'Invitation not found');
    return toPublicInvitation(invitation, now);
  }

  /**
   * Runs `create` (which makes the account) holding one use of the code: taken
   * atomically before, given back if the account could not be created (name taken…).
   */
  async admit<T>(code: string | undefined, username: string, create: () => Promise<T>): Promise<T> {
    if (code === undefined) throw new AppError('INVITATION_INVALID', 'An invitation code is required');
    const canonical = normalizeInvitationCode(code);
    if (!canonical || !(await this.invitations.consume(canonical, username, new Date()))) throw new AppError('INVITATION_INVALID');
    try {
      return await create();
    } catch (error) {
      await this.invitations.release(canonical, username);
      throw error;
    }
  }

  @OnEvent(ADMIN_EVENTS.cleanup)
  async removeExpired(): Promise<AdminOperationCounts> {
    return { expired_invitations: await this.invitations.deleteExpired(new Date()) };
  }
}
