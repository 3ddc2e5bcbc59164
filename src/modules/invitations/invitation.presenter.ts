import { InvitationStatus, statusOf } from './invitations.repository';
import type { InvitationRecord } from './schemas/invitation.schema';

export interface PublicInvitation {
  code: string;
  note: string | null;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  max_uses: number;
  uses: number;
  used_by: string[];
  status: InvitationStatus;
}

export function toPublicInvitation(invitation: InvitationRecord, now: Date): PublicInvitation {
  return {
    code: invitation.code,
    note: invitation.note,
    created_by: invitation.created_by,
    created_at: invitation.created_at.toISOString(),
    expires_at: invitation.expires_at.toISOString(),
    max_uses: invitation.max_uses,
    uses: invitation.uses,
    used_by: invitation.used_by,
    status: statusOf(invitation, now),
  };
}
