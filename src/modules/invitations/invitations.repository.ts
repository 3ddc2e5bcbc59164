import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import { FilterQuery, Model } from 'mongoose';
import { Invitation, InvitationRecord } from './schemas/invitation.schema';

export const INVITATION_STATUSES = ['active', 'used', 'expired', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export interface NewInvitation {
  code: string;
  note: string | null;
  createdBy: string | null;
  now: Date;
  expiresAt: Date;
  maxUses: number;
}

/** The only code that touches the invitations collection. */
@Injectable()
export class InvitationsRepository implements OnModuleInit {
  constructor(@InjectModel(Invitation.name) private readonly invitations: Model<Invitation>) {}

  async onModuleInit(): Promise<void> {
    await this.invitations.init();
  }

  async create(invitation: NewInvitation): Promise<InvitationRecord> {
    const created = await this.invitations.create({
      _id: randomUUID(),
      code: invitation.code,
      note: invitation.note,
      created_by: invitation.createdBy,
      created_at: invitation.now,
      expires_at: invitation.expiresAt,
      max_uses: invitation.maxUses,
      uses: 0,
      remaining_uses: invitation.maxUses,
      used_by: [],
    });
    return created.toObject();
  }

  /** Newest first; the status filter is the derived status written as a query. */
  list(status: InvitationStatus | undefined, now: Date, limit: number): Promise<InvitationRecord[]> {
    return this.invitations.find(statusFilter(status, now)).sort({ created_at: -1, _id: 1 }).limit(limit).lean<InvitationRecord[]>().exec();
  }

  /**
   * Takes one use, atomically: the filter holds every condition of validity, so
   * of N parallel consumers of the last use exactly one gets a document back.
   */
  consume(code: string, username: string, now: Date): Promise<InvitationRecord | null> {
    return this.invitations
      .findOneAndUpdate(
        { code, revoked_at: null, expires_at: { $gt: now }, remaining_uses: { $gt: 0 } },
        { $inc: { remaining_uses: -1, uses: 1 }, $push: { used_by: username } },
        { new: true },
      )
      .lean<InvitationRecord>()
      .exec();
  }

  /** Gives a use back when the account it was taken for could not be created. */
  async release(code: string, username: string): Promise<void> {
    await this.invitations.updateOne({ code, used_by: username }, { $inc: { remaining_uses: 1, uses: -1 }, $pull: { used_by: username } }).exec();
  }

  revoke(code: string, now: Date): Promise<InvitationRecord | null> {
    return this.invitations
      .findOneAndUpdate({ code, revoked_at: null }, { $set: { revoked_at: now } }, { new: true })
      .lean<InvitationRecord>()
      .exec();
  }

  findByCode(code: string): Promise<InvitationRecord | null> {
    return this.invitations.findOne({ code }).lean<InvitationRecord>().exec();
  }

  async deleteExpired(now: Date): Promise<number> {
    return (await this.invitations.deleteMany({ expires_at: { $lte: now } }).exec()).deletedCount;
  }
}

function statusFilter(status: InvitationStatus | undefined, now: Date): FilterQuery<Invitation> {
  switch (status) {
    case undefined:
      return {};
    case 'revoked':
      return { revoked_at: { $ne: null } };
    case 'used':
      return { revoked_at: null, remaining_uses: { $lte: 0 } };
    case 'expired':
      return { revoked_at: null, remaining_uses: { $gt: 0 }, expires_at: { $lte: now } };
    case 'active':
      return { revoked_at: null, remaining_uses: { $gt: 0 }, expires_at: { $gt: now } };
  }
}

/** The same rule as statusFilter, for one document. */
export function statusOf(invitation: InvitationRecord, now: Date): InvitationStatus {
  if (invitation.revoked_at) return 'revoked';
  if (invitation.remaining_uses <= 0) return 'used';
  if (invitation.expires_at.getTime() <= now.getTime()) return 'expired';
  return 'active';
}
