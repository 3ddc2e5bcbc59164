import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import {
  AUDIO_CODECS,
  AudioCodec,
  BIT_DEPTHS,
  BUFFER_SIZE_RANGE,
  FRAME_DURATIONS_MS,
  LATENCY_TARGET_RANGE,
  MAX_PACKET_BYTES_RANGE,
  SAMPLE_RATES,
} from '../audio-config';

@ValidatorConstraint({ name: 'powerOfTwo' })
class PowerOfTwo implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'number' && Number.isInteger(value) && value > 0 && (value & (value - 1)) === 0;
  }

  defaultMessage(): string {
    return 'buffer_size must be a power of two';
  }
}

/** A partial update: the fields given replace the current ones; at least one is required (checked by the service). */
export class UpdateAudioConfigDto {
  @ApiPropertyOptional({ enum: SAMPLE_RATES })
  @IsOptional()
  @IsIn(SAMPLE_RATES)
  sample_rate?: number;

  @ApiPropertyOptional({ enum: [1, 2] })
  @IsOptional()
  @IsIn([1, 2])
  channels?: number;

  @ApiPropertyOptional({ enum: BIT_DEPTHS })
  @IsOptional()
  @IsIn(BIT_DEPTHS)
  bit_depth?: number;

  @ApiPropertyOptional({ minimum: BUFFER_SIZE_RANGE.min, maximum: BUFFER_SIZE_RANGE.max, description: 'power of two' })
  @IsOptional()
  @IsInt()
  @Min(BUFFER_SIZE_RANGE.min)
  @Max(BUFFER_SIZE_RANGE.max)
  @Validate(PowerOfTwo)
  buffer_size?: number;

  @ApiPropertyOptional({ minimum: LATENCY_TARGET_RANGE.min, maximum: LATENCY_TARGET_RANGE.max })
  @IsOptional()
  @IsInt()
  @Min(LATENCY_TARGET_RANGE.min)
  @Max(LATENCY_TARGET_RANGE.max)
  latency_target_ms?: number;

  @ApiPropertyOptional({ enum: AUDIO_CODECS })
  @IsOptional()
  @IsIn(AUDIO_CODECS)
  codec?: AudioCodec;

  @ApiPropertyOptional({ enum: FRAME_DURATIONS_MS })
  @IsOptional()
  @IsIn(FRAME_DURATIONS_MS)
  frame_duration_ms?: number;

  @ApiPropertyOptional({ minimum: MAX_PACKET_BYTES_RANGE.min, maximum: MAX_PACKET_BYTES_RANGE.max })
  @IsOptional()
  @IsInt()
  @Min(MAX_PACKET_BYTES_RANGE.min)
  @Max(MAX_PACKET_BYTES_RANGE.max)
  max_packet_bytes?: number;
}
