import { IsOptional, IsUUID } from 'class-validator';

/** JoinChannel / LeaveChannel on /voice (and the same fields on /ws). */
export class VoiceChannelDto {
  @IsUUID()
  channel_id!: string;

  /** Seed 004 clients send their own id; anyone else's is refused. */
  @IsOptional()
  @IsUUID()
  user_id?: string;
}
