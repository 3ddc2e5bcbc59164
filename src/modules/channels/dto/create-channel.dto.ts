import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min } from 'class-validator';
import { CHANNEL_TYPES, ChannelType } from '../schemas/channel.schema';

export const MAX_CHANNEL_USERS = 1000;

export class CreateChannelDto {
  @ApiProperty({ example: 'General', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  name!: string;

  @ApiPropertyOptional({ example: 'Channel général', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ default: 10, minimum: 1, maximum: MAX_CHANNEL_USERS })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_CHANNEL_USERS)
  max_users?: number;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  is_private?: boolean;

  @ApiPropertyOptional({ enum: CHANNEL_TYPES, default: 'voice' })
  @IsOptional()
  @IsIn(CHANNEL_TYPES)
  channel_type?: ChannelType;

  @ApiPropertyOptional({ description: 'Users (besides the owner) who may see and join a private channel', type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_CHANNEL_USERS)
  @IsUUID('all', { each: true })
  member_ids?: string[];
}
