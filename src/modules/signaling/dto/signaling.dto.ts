import { IsObject, IsUUID } from 'class-validator';
import type { SignalData } from '../signaling.socket-events';

/**
 * Signaling payloads. The WebRTC parts (`signalData`, `candidate`) are opaque
 * objects relayed as they are; their size is bounded by the 64 KB socket limit.
 */
export class TargetUserDto {
  @IsUUID()
  targetUserId!: string;
}

export class CallUserDto extends TargetUserDto {
  @IsObject()
  signalData!: SignalData;
}

export class AnswerCallDto extends TargetUserDto {
  @IsObject()
  signalData!: SignalData;
}

export class IceCandidateDto extends TargetUserDto {
  @IsObject()
  candidate!: Record<string, unknown>;
}
