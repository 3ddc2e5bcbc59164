import { ApiProperty } from '@nestjs/swagger';
import type { PublicInvitation } from '../invitation.presenter';
import { INVITATION_STATUSES, type InvitationStatus } from '../invitations.repository';

export class InvitationDto implements PublicInvitation {
  code!: string;
  note!: string | null;
  created_by!: string | null;
  /** ISO 8601 */
  created_at!: string;
  /** ISO 8601 */
  expires_at!: string;
  max_uses!: number;
  uses!: number;
  /** Ids of the accounts created with it */
  used_by!: string[];
  @ApiProperty({ enum: INVITATION_STATUSES })
  status!: InvitationStatus;
}

export class InvitationEnvelopeDto {
  invitation!: InvitationDto;
}

export class InvitationListDto {
  invitations!: InvitationDto[];
}

export class InvitationRevokedDto extends InvitationEnvelopeDto {
  message!: string;
}
