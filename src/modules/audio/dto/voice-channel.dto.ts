import { IsOptional, IsUUID } from 'class-validator';

/** JoinChannel / LeaveChannel on /voice (and the same fields on /ws). */
export class VoiceChannelDto {
  @IsUUID()
  channel_id!: string;

  /** Voice clients that speak the JSON channel protocol send their own id; anyone else's is refused. */
  @IsOptional()
  @IsUUID()
  user_id?: string;
}
